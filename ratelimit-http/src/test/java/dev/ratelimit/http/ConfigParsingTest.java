package dev.ratelimit.http;

import static dev.ratelimit.http.RateLimitEngineTest.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Limit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration schema's errors: each names the source, the key and the value, and says what to write. */
class ConfigParsingTest {

    private static final String[] BASE = {"ratelimit.policies=p", "ratelimit.policy.p.key=ip",
        "ratelimit.policy.p.limits=10/1s"};

    private static Properties base(String... more) {
        Properties p = props(BASE);
        p.putAll(props(more));
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ratelimit.policy.p.limits=100 per minute | ratelimit.policy.p.limits  | Cannot parse limit",
        "ratelimit.policy.p.cost=lots             | ratelimit.policy.p.cost    | expected a whole number of permits",
        "ratelimit.policy.p.missingKey=maybe      | ratelimit.policy.p.missingKey | expected reject or anonymous",
        "ratelimit.failurePolicy=fallback         | ratelimit.failurePolicy    | expected allow, deny or local",
        "ratelimit.ipv6Prefix=129                 | ratelimit.ipv6Prefix       | expected a whole number from 1 to 128",
        "ratelimit.trustedProxies=10.0.0.0/33     | ratelimit.trustedProxies   | 10.0.0.0/33",
        "ratelimit.reload=-5s                     | ratelimit.reload           | expected a duration such as 250ms",
        "ratelimit.reload=PT30S                   | ratelimit.reload           | write 30s",
        "ratelimit.reload=PT0.25S                 | ratelimit.reload           | write 250ms",
        "ratelimit.plans.default=basic      | ratelimit.plans.default   | plans.default was renamed ratelimit.defaultPlan",
        "ratelimit.plan-keys.basic=k1       | ratelimit.plan-keys.basic | plan-keys.basic was renamed ratelimit.planKeys.basic",
        "ratelimit.defaultPlan=gold               | ratelimit.defaultPlan      | no plan is defined",
        "ratelimit.policy.p.key=cookie:x          | ratelimit.policy.p.key     | has the unknown part",
        "ratelimit.policy.p.limt=1/1s             | ratelimit.policy.p.limt    | a policy has the keys",
        "ratelimit.polices=p                      | ratelimit.polices          | unknown key",
    })
    void anErrorNamesTheSourceTheKeyAndTheValue(String line, String key, String message) {
        assertThatThrownBy(() -> RateLimitConfig.parse(base(line), "file:/etc/app/rl.properties"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.source()).isEqualTo("file:/etc/app/rl.properties");
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.getMessage()).startsWith("configuration file:/etc/app/rl.properties: ")
                            .contains(line.substring(line.indexOf('=') + 1)).contains(message);
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ratelimit.plan.basic.limits=4/1hour | ratelimit.plan.basic.limits=4/1hour",
        "ratelimit.policy.p.limits=100 per minute | ratelimit.policy.p.limits=100 per minute",
    })
    void anErrorSaysTheKeyAndValueOnce(String line, String said) {
        assertThatThrownBy(() -> RateLimitConfig.parse(base(line), "file:/etc/app/rl.properties"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    String message = e.getMessage();
                    assertThat(message).contains(said);
                    assertThat(message.indexOf(said)).as(message).isEqualTo(message.lastIndexOf(said));
                });
    }

    @Test
    void durationsAreWrittenAsLimitPeriods() {
        assertThat(RateLimitConfig.parse(base()).reloadInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(RateLimitConfig.parse(base("ratelimit.reload=250ms")).reloadInterval())
                .isEqualTo(Duration.ofMillis(250));
        assertThat(RateLimitConfig.parse(base("ratelimit.reload=5m")).reloadInterval())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(RateLimitConfig.parse(base("ratelimit.reload=off")).reloadInterval()).isZero();
    }

    @Test
    void aKeyOnTwoPlansIsRefusedNamingBoth() {
        Properties p = base("ratelimit.plan.a.limits=1/1s", "ratelimit.plan.b.limits=2/1s",
                "ratelimit.planKeys.a=k1,k2", "ratelimit.planKeys.b=k2", "ratelimit.defaultPlan=a");
        assertThatThrownBy(() -> RateLimitConfig.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratelimit.planKeys.b=k2").hasMessageContaining("also on plan a");
        p.setProperty("ratelimit.planKeys.b", "k3");
        RateLimitConfig config = RateLimitConfig.parse(p);
        assertThat(config.plans().planFor("k3").name()).isEqualTo("b");
        assertThat(config.plans().planFor("other").name()).isEqualTo("a");
    }

    @Test
    void unknownKeysPolicyKeysOfUnlistedPoliciesAndMisspeltPrefixesAreRefused() {
        assertThatThrownBy(() -> RateLimitConfig.parse(base("ratelimit.polices=p")))
                .hasMessageContaining("unknown key ratelimit.polices=p");
        assertThatThrownBy(() -> RateLimitConfig.parse(base("ratelimit.policy.q.key=ip")))
                .hasMessageContaining("ratelimit.policy.q.key");
        assertThatThrownBy(() -> RateLimitConfig.parse(base("ratelimt.reload=1s")))
                .hasMessageContaining("ratelimt.reload=1s").hasMessageContaining("misspelling");
        assertThat(RateLimitConfig.parse(base("redis.timeout=250ms")).properties().getProperty("redis.timeout"))
                .isEqualTo("250ms");
    }

    @Test
    void aFileNamesItselfAndRefusesAKeyWrittenTwice() {
        byte[] twice = String.join("\n", BASE[0], BASE[1], BASE[2], "ratelimit.policy.p.limits=20/1s")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> RateLimitConfig.parse(twice, "classpath:rl.properties"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.source()).isEqualTo("classpath:rl.properties");
                    assertThat(e.key()).isEqualTo("ratelimit.policy.p.limits");
                    assertThat(e.getMessage()).contains("written twice").contains("10/1s").contains("20/1s");
                });
        assertThatThrownBy(() -> RateLimitConfig.load("classpath:no-such.properties"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("classpath:no-such.properties");
    }

    @Test
    void theParsedModelIsWhatTheFileSays() {
        RateLimitConfig config = RateLimitConfig.parse(base("ratelimit.policy.p.algorithm=sliding_window",
                "ratelimit.policy.p.paths=/api/**,/v2/*/orders", "ratelimit.policy.p.methods=get,post",
                "ratelimit.policy.p.refundOnStatus=500-599", "ratelimit.policy.p.penaltyOnStatus=401",
                "ratelimit.policy.p.penalty=4", "ratelimit.localDenyCache=0", "ratelimit.maximumKeys=1000"));
        Policy p = config.policies().get(0);
        assertThat(p.algorithm()).hasToString("SLIDING_WINDOW");
        assertThat(p.paths()).containsExactly("/api/**", "/v2/*/orders");
        assertThat(p.methods()).containsExactly("GET", "POST");
        assertThat(p.limits()).containsExactly(Limit.parse("10/1s"));
        assertThat(p.refundOnStatus()).isEqualTo("500-599");
        assertThat(p.penaltyOnStatus()).isEqualTo("401");
        assertThat(p.penaltyPermits()).isEqualTo(4);
        assertThat(config.localDenyCache()).isZero();
        assertThat(config.maximumKeys()).hasValue(1000);
    }
}
