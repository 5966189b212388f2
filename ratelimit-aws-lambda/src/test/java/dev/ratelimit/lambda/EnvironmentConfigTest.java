package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The mapping between environment variables and configuration keys, both ways. */
class EnvironmentConfigTest {

    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
        "ratelimit.policies, RATELIMIT_POLICIES",
        "ratelimit.excludes, RATELIMIT_EXCLUDES",
        "ratelimit.trustedProxies, RATELIMIT_TRUSTED_PROXIES",
        "ratelimit.trustedProxies.header, RATELIMIT_TRUSTED_PROXIES_HEADER",
        "ratelimit.headers.legacy, RATELIMIT_HEADERS_LEGACY",
        "ratelimit.headers.shadow, RATELIMIT_HEADERS_SHADOW",
        "ratelimit.ipv4Prefix, RATELIMIT_IPV4_PREFIX",
        "ratelimit.ipv6Prefix, RATELIMIT_IPV6_PREFIX",
        "ratelimit.maximumKeys, RATELIMIT_MAXIMUM_KEYS",
        "ratelimit.failurePolicy, RATELIMIT_FAILURE_POLICY",
        "ratelimit.reload, RATELIMIT_RELOAD",
        "ratelimit.localDenyCache, RATELIMIT_LOCAL_DENY_CACHE",
        "ratelimit.violationLog, RATELIMIT_VIOLATION_LOG",
        "ratelimit.violationLog.rate, RATELIMIT_VIOLATION_LOG_RATE",
        "ratelimit.defaultPlan, RATELIMIT_DEFAULT_PLAN",
        "ratelimit.policy.perKey.limits, RATELIMIT_POLICY__perKey__LIMITS",
        "ratelimit.policy.perKey.key, RATELIMIT_POLICY__perKey__KEY",
        "ratelimit.policy.per_ip.missingKey, RATELIMIT_POLICY__per_ip__MISSING_KEY",
        "ratelimit.policy.login.refundOnStatus, RATELIMIT_POLICY__login__REFUND_ON_STATUS",
        "ratelimit.policy.login.penaltyOnStatus, RATELIMIT_POLICY__login__PENALTY_ON_STATUS",
        "ratelimit.policy.login.penalty, RATELIMIT_POLICY__login__PENALTY",
        "ratelimit.policy.Upload2.algorithm, RATELIMIT_POLICY__Upload2__ALGORITHM",
        "ratelimit.plan.premium.limits, RATELIMIT_PLAN__premium__LIMITS",
        "ratelimit.planKeys.premium, RATELIMIT_PLAN_KEYS__premium",
        "ratelimit.store, RATELIMIT_STORE",
        "ratelimit.store.table, RATELIMIT_STORE_TABLE",
        "ratelimit.store.keyPrefix, RATELIMIT_STORE_KEY_PREFIX",
        "ratelimit.metrics.namespace, RATELIMIT_METRICS_NAMESPACE",
    })
    void eachKeyHasOneVariableThatMapsBack(String key, String variable) {
        assertThat(EnvironmentConfig.variable(key)).isEqualTo(variable);
        assertThat(EnvironmentConfig.key(variable)).isEqualTo(key);
    }

    @Test
    void namesKeepTheirCaseSoTwoPoliciesThatDifferInCaseStayTwo() {
        assertThat(EnvironmentConfig.key("RATELIMIT_POLICY__perkey__LIMITS"))
                .isEqualTo("ratelimit.policy.perkey.limits");
        assertThat(EnvironmentConfig.key("RATELIMIT_POLICY__PERKEY__LIMITS"))
                .isEqualTo("ratelimit.policy.PERKEY.limits");
    }

    @Test
    void propertiesTakeOnlyRatelimitVariablesAndNotTheFileVariable() {
        Properties p = EnvironmentConfig.properties(Map.of(
                "RATELIMIT_POLICIES", "perIp",
                "RATELIMIT_POLICY__perIp__KEY", "ip",
                "RATELIMIT_CONFIG", "classpath:other.properties",
                "AWS_REGION", "eu-west-1",
                "PATH", "/usr/bin"));

        assertThat(p).containsOnly(Map.entry("ratelimit.policies", "perIp"),
                Map.entry("ratelimit.policy.perIp.key", "ip"));
    }

    @Test
    void aVariableThatIsNoKeyIsRefusedNamingTheVariableAndTheWord() {
        assertThatThrownBy(() -> EnvironmentConfig.properties(Map.of("RATELIMIT_POLICY__a__LIMTS", "1/1s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RATELIMIT_POLICY__a__LIMTS")
                .hasMessageContaining("'LIMTS' is not a word");
        assertThatThrownBy(() -> EnvironmentConfig.key("RATELIMIT_policies"))
                .hasMessageContaining("must be upper case");
        assertThatThrownBy(() -> EnvironmentConfig.key("RATELIMIT_LIMITS__a__KEY"))
                .hasMessageContaining("does not follow POLICY, PLAN or PLAN_KEYS");
        assertThatThrownBy(() -> EnvironmentConfig.key("RATELIMIT_POLICY___a__KEY"))
                .hasMessageContaining("underscore");
        assertThatThrownBy(() -> EnvironmentConfig.key("RATELIMIT_POLICY____KEY"))
                .hasMessageContaining("empty part");
    }

    @Test
    void aNameAVariableCannotCarryIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> EnvironmentConfig.variable("ratelimit.policy.per-ip.key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("per-ip")
                .hasMessageContaining("properties file");
        assertThatThrownBy(() -> EnvironmentConfig.variable("ratelimit.policy.a__b.key"))
                .hasMessageContaining("a__b");
        assertThatThrownBy(() -> EnvironmentConfig.variable("ratelimit.nonsense"))
                .hasMessageContaining("'nonsense' is not a word");
    }
}
