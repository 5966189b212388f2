package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.testkit.FakeClock;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 13: a configuration error names the file, the key and the value. Each broken file is deployed the way a
 * web.xml user deploys it (a {@link WebAppContext} whose filter reads the file), and the start must fail with a
 * message that names all three; a running filter told to reload a broken file keeps answering with the old one.
 */
class ConfigErrorsHttpTest {

    @TempDir
    Path dir;

    /** A valid policy p the broken lines are added to. */
    private static final List<String> BASE = List.of(
            "ratelimit.policies=p",
            "ratelimit.policy.p.key=header:X-API-Key");

    @ParameterizedTest(name = "[{0}] is refused naming {1}")
    @CsvSource(delimiter = '|', value = {
        // two policies with one name
        "ratelimit.policy.p.limits=10/1s;ratelimit.policies=p,p"
                + "                                  | ratelimit.policies=p,p | listed twice",
        // a plans-based policy with no plan defined
        "ratelimit.policy.p.plans=true                   | ratelimit.policy.p.plans=true | no plan is defined",
        // a limit too large for the algorithm: the policy and the key
        "ratelimit.policy.p.limits=1000000/1h;ratelimit.policy.p.algorithm=SLIDING_LOG"
                + "                                  | ratelimit.policy.p.limits=1000000/1h | policy p uses SLIDING_LOG",
        "ratelimit.policy.p.plans=true;ratelimit.plan.big.limits=200000/1d;ratelimit.policy.p.algorithm=SLIDING_LOG"
                + "                                  | ratelimit.plan.big.limits=200000/1d | policy p uses SLIDING_LOG",
        // zero or negative cost, and a cost no limit can hold
        "ratelimit.policy.p.limits=10/1s;ratelimit.policy.p.cost=0    | ratelimit.policy.p.cost=0 | between 1 and",
        "ratelimit.policy.p.limits=10/1s;ratelimit.policy.p.cost=-3   | ratelimit.policy.p.cost=-3 | between 1 and",
        "ratelimit.policy.p.limits=10/1s;ratelimit.policy.p.cost=11   | ratelimit.policy.p.cost=11 | can ever hold",
        "ratelimit.policy.p.limits=10/1s;ratelimit.policy.p.penaltyOnStatus=401;ratelimit.policy.p.penalty=0"
                + "                                  | ratelimit.policy.p.penalty=0 | between 1 and",
        // a burst on a policy that is not a token bucket
        "ratelimit.policy.p.limits=10/1s burst 20;ratelimit.policy.p.algorithm=SLIDING_WINDOW"
                + "                                  | ratelimit.policy.p.limits=10/1s burst 20"
                + " | ratelimit.policy.p.algorithm",
        // a key written twice: both values named
        "ratelimit.policy.p.limits=10/1s;ratelimit.policy.p.limits=1000/1s"
                + "                                  | ratelimit.policy.p.limits=10/1s | ratelimit.policy.p.limits=1000/1s",
        // a misspelt prefix, and an unknown key under the right one
        "ratelimit.policy.p.limits=10/1s;ratelimt.policies=p,q  | ratelimt.policies=p,q | misspelling",
        "ratelimit.policy.p.limits=10/1s;RateLimit.reload=1s  | RateLimit.reload=1s | misspelling",
        "ratelimit.policy.p.limits=10/1s;ratelimit.polices=p    | ratelimit.polices=p | unknown key",
        // the new keys are checked like the others
        "ratelimit.policy.p.limits=10/1s;ratelimit.ipv6Prefix=129   | ratelimit.ipv6Prefix=129 | 1 to 128",
        "ratelimit.policy.p.limits=10/1s;ratelimit.maximumKeys=0    | ratelimit.maximumKeys=0 | 1 or more",
        "ratelimit.policy.p.limits=10/1s;ratelimit.headers.shadow=yes | ratelimit.headers.shadow=yes | true or false",
        // issue 14: keys renamed before 1.0 name their new spelling; an ISO-8601 duration names its short form
        "ratelimit.policy.p.limits=10/1s;ratelimit.plans.default=reject | ratelimit.plans.default=reject"
                + " | renamed ratelimit.defaultPlan",
        "ratelimit.policy.p.limits=10/1s;ratelimit.plan-keys.gold=k1 | ratelimit.plan-keys.gold=k1"
                + " | renamed ratelimit.planKeys.gold",
        "ratelimit.policy.p.limits=10/1s;ratelimit.reload=PT30S | ratelimit.reload=PT30S | write 30s",
    })
    void aBrokenFileFailsTheStartNamingTheFileTheKeyAndTheValue(String lines, String keyAndValue, String problem)
            throws Exception {
        List<String> content = new ArrayList<>(BASE);
        content.addAll(Arrays.asList(lines.split(";")));
        if (lines.contains("ratelimit.policies=p,p")) {
            content.remove("ratelimit.policies=p");
        }
        Path config = Files.write(dir.resolve("broken.properties"), content, StandardCharsets.UTF_8);
        assertThat(startFailure(webapp("file:" + config.toAbsolutePath())))
                .contains("configuration file:" + config.toAbsolutePath() + ": ")
                .contains(keyAndValue)
                .contains(problem);
    }

    @Test
    void aRunningFilterKeepsItsConfigurationWhenTheChangedFileWritesAKeyTwice() throws Exception {
        Path config = Files.write(dir.resolve("live.properties"), List.of(
                "ratelimit.policies=p",
                "ratelimit.policy.p.key=header:X-API-Key",
                "ratelimit.policy.p.limits=1/1m",
                "ratelimit.reload=off"), StandardCharsets.UTF_8);
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config)
                .timeSource(new FakeClock()).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
            Files.write(config, List.of(
                    "ratelimit.policies=p",
                    "ratelimit.policy.p.key=header:X-API-Key",
                    "ratelimit.policy.p.limits=1/1m",
                    "ratelimit.reload=off",
                    "ratelimit.policy.p.limits=1000/1m"), StandardCharsets.UTF_8);
            // Properties would keep the last line; which one the author meant is unknown, so neither is applied.
            assertThatThrownBy(filter.engine()::reloadConfiguration).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("configuration file:" + config)
                    .hasMessageContaining("ratelimit.policy.p.limits is written twice")
                    .hasMessageContaining("ratelimit.policy.p.limits=1/1m")
                    .hasMessageContaining("ratelimit.policy.p.limits=1000/1m");
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(429);
        }
    }

    private WebAppContext webapp(String config) throws Exception {
        String template;
        try (InputStream in = ConfigErrorsHttpTest.class.getResourceAsStream("/webxml/web-template.xml")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path webInf = Files.createDirectories(dir.resolve("webapp/WEB-INF"));
        Files.writeString(webInf.resolve("web.xml"),
                template.replace("@CONFIG@", config).replace("@STORE_FACTORY@", ""));
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResourceAsPath(dir.resolve("webapp"));
        webapp.setParentLoaderPriority(true);
        webapp.setThrowUnavailableOnStartupException(true);
        return webapp;
    }

    /** Starts the web application, expecting it to fail; the messages of the whole cause chain. */
    private static String startFailure(WebAppContext webapp) {
        List<String> messages = new ArrayList<>();
        assertThatThrownBy(() -> TestServer.start(webapp).close()).satisfies(e -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        });
        return String.join("\n", messages);
    }
}
