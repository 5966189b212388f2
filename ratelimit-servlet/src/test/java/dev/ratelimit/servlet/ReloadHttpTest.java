package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.PlansHttpTest.remaining;
import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration changes without a restart, over real HTTP: a changed file (found by the timed check on the fake
 * clock, or by an explicit {@link RateLimitFilter#reloadConfiguration()}) and the runtime API. Unchanged policies
 * keep their state; changed ones carry each key's consumption over (fixed window: permits spent in the current
 * window stay spent against the new limit); new ones start fresh.
 */
class ReloadHttpTest {

    private final FakeClock clock = new FakeClock();

    @TempDir
    Path dir;

    private Path config;

    private void writeConfig(String... lines) throws Exception {
        List<String> all = new ArrayList<>(List.of(lines));
        config = dir.resolve("ratelimit.properties");
        Files.write(config, all, StandardCharsets.UTF_8);
    }

    private static final String[] V1 = {
        "ratelimit.policies=stable,changing",
        "ratelimit.policy.stable.key=constant",
        "ratelimit.policy.stable.limits=5/1m",
        "ratelimit.policy.stable.algorithm=FIXED_WINDOW",
        "ratelimit.policy.changing.key=header:X-API-Key",
        "ratelimit.policy.changing.limits=2/1m",
        "ratelimit.policy.changing.algorithm=FIXED_WINDOW",
    };

    /** stable as in V1; changing has a new limit; a third policy, and an excluded path, are added. */
    private static final String[] V2 = {
        "ratelimit.policies=stable,changing,added",
        "ratelimit.policy.stable.key=constant",
        "ratelimit.policy.stable.limits=5/1m",
        "ratelimit.policy.stable.algorithm=FIXED_WINDOW",
        "ratelimit.policy.changing.key=header:X-API-Key",
        "ratelimit.policy.changing.limits=10/1m",
        "ratelimit.policy.changing.algorithm=FIXED_WINDOW",
        "ratelimit.policy.added.key=ip",
        "ratelimit.policy.added.limits=3/1m",
        "ratelimit.policy.added.algorithm=FIXED_WINDOW",
        "ratelimit.excludes=/health",
    };

    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    @Test
    void aChangedFileIsPickedUpAtTheNextCheckAndUnchangedPoliciesKeepTheirState() throws Exception {
        writeConfig(with(V1, "ratelimit.reload=10s"));
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).timeSource(clock).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(4L, 1L);
            assertThat(header(server.get("/health", "X-API-Key", "k"), "RateLimit-Policy"))
                    .isEqualTo("\"stable\";q=5;w=60, \"changing\";q=2;w=60");

            writeConfig(with(V2, "ratelimit.reload=10s"));
            // Not yet: the file is checked at most once per reload interval.
            clock.advance(Duration.ofSeconds(9));
            HttpResponse<String> old = server.get("/", "X-API-Key", "k");
            assertThat(old.statusCode()).isEqualTo(429);
            // changing denied, so stable got its permit back.
            assertThat(remaining(old)).containsExactly(3L, 0L);

            clock.advance(Duration.ofSeconds(1));
            HttpResponse<String> reloaded = server.get("/", "X-API-Key", "k");
            assertThat(reloaded.statusCode()).isEqualTo(200);
            assertThat(header(reloaded, "RateLimit-Policy"))
                    .isEqualTo("\"stable\";q=5;w=60, \"changing\";q=10;w=60, \"added\";q=3;w=60");
            // stable kept its count (2 spent before, now a third); changing carries its 2 spent permits over to the
            // new limit (10 - 3); added starts fresh.
            assertThat(remaining(reloaded)).containsExactly(2L, 7L, 2L);
            HttpResponse<String> excluded = server.get("/health", "X-API-Key", "k");
            assertThat(excluded.statusCode()).isEqualTo(200);
            assertThat(excluded.headers().firstValue("RateLimit")).isEmpty();
        }
    }

    @Test
    void aBrokenFileKeepsThePreviousConfigurationUntilItIsFixed() throws Exception {
        writeConfig(with(V1, "ratelimit.reload=10s"));
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).timeSource(clock).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(4L, 1L);

            writeConfig(with(V1, "ratelimit.reload=10s", "ratelimit.policy.changing.cost=lots"));
            clock.advance(Duration.ofSeconds(10));
            HttpResponse<String> stillV1 = server.get("/", "X-API-Key", "k");
            assertThat(stillV1.statusCode()).isEqualTo(200);
            assertThat(remaining(stillV1)).containsExactly(3L, 0L);
            assertThatThrownBy(filter.engine()::reloadConfiguration).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ratelimit.policy.changing.cost=lots");

            Files.delete(config);
            clock.advance(Duration.ofSeconds(10));
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(429);

            writeConfig(with(V2, "ratelimit.reload=10s"));
            clock.advance(Duration.ofSeconds(10));
            // changing's 2 spent permits carry over to its new limit (10 - 3).
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(2L, 7L, 2L);
        }
    }

    @Test
    void reloadConfigurationAppliesAChangedFileAtOnceEvenWithTimedReloadOff() throws Exception {
        writeConfig(with(V1, "ratelimit.reload=off"));
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).timeSource(clock).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(4L, 1L);
            assertThat(filter.engine().reloadConfiguration()).isFalse();

            writeConfig(with(V2, "ratelimit.reload=off"));
            clock.advance(Duration.ofDays(1));
            // A new day, so fresh windows everywhere; with reload off the file is not looked at.
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(4L, 1L);
            assertThat(filter.engine().reloadConfiguration()).isTrue();
            assertThat(filter.engine().config().policies()).extracting(Policy::name)
                    .containsExactly("stable", "changing", "added");
            // changing's permit spent today carries over to its new limit (10 - 2).
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(3L, 8L, 2L);
            assertThat(filter.engine().reloadConfiguration()).isFalse();
        }
    }

    @Test
    void aFilterConfiguredInCodeHasNoFileToReload() {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("p").key(KeyResolver.constant("all")).limits(Limit.parse("1/1s")).build())
                .build();
        assertThatThrownBy(filter.engine()::reloadConfiguration).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no configuration file");
    }

    @Test
    void updatePoliciesReplacesLimitsAtRunTimeAndKeepsTheStateOfUnchangedPolicies() throws Exception {
        Policy global = Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("10/1m"))
                .algorithm(Algorithm.FIXED_WINDOW).build();
        Policy perKey = Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("2/1m"))
                .algorithm(Algorithm.FIXED_WINDOW).build();
        RateLimitFilter filter = RateLimitFilter.builder().policy(global).policy(perKey).timeSource(clock).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(9L, 1L);
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(8L, 0L);
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(429);

            // An equal policy (a new object with the same definition) keeps its state; perKey gets a new limit.
            Policy sameGlobal = Policy.builder("global").key(KeyResolver.constant("all"))
                    .limits(Limit.parse("10/1m")).algorithm(Algorithm.FIXED_WINDOW).build();
            Policy biggerPerKey = Policy.builder("perKey").key(KeyResolver.header("X-API-Key"))
                    .limits(Limit.parse("5/1m")).algorithm(Algorithm.FIXED_WINDOW).build();
            filter.engine().updatePolicies(List.of(sameGlobal, biggerPerKey));
            HttpResponse<String> after = server.get("/", "X-API-Key", "k");
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(header(after, "RateLimit-Policy")).isEqualTo("\"global\";q=10;w=60, \"perKey\";q=5;w=60");
            // perKey's 2 spent permits carry over to its new limit (5 - 3).
            assertThat(remaining(after)).containsExactly(7L, 2L);

            // An invalid replacement is refused whole; the policies in force stay.
            assertThatThrownBy(() -> filter.engine().updatePolicies(List.of(sameGlobal, sameGlobal)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two policies are named global");
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(6L, 1L);

            // Dropping a policy: only global remains.
            filter.engine().updatePolicies(List.of(sameGlobal));
            assertThat(header(server.get("/", "X-API-Key", "k"), "RateLimit")).startsWith("\"global\";r=5;");
        }
    }

    @Test
    void updatePlansReplacesAPlanAndKeepsTheStateOfUnchangedPlans() throws Exception {
        Plans before = Plans.builder()
                .plan(Plan.of("basic", Limit.parse("3/1m")))
                .plan(Plan.of("premium", Limit.parse("5/1m")))
                .assign("b", "basic").assign("p", "premium")
                .build();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limitsFromPlans()
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .plans(before)
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/", "X-API-Key", "b"))).containsExactly(2L);
            assertThat(remaining(server.get("/", "X-API-Key", "p"))).containsExactly(4L);
            // A new key is added to basic, premium doubles; basic's state is kept.
            filter.engine().updatePlans(Plans.builder()
                    .plan(Plan.of("basic", Limit.parse("3/1m")))
                    .plan(Plan.of("premium", Limit.parse("10/1m")))
                    .assign("b", "basic").assign("b2", "basic").assign("p", "premium")
                    .build());
            assertThat(filter.engine().config().plans().plans()).containsKeys("basic", "premium");
            assertThat(remaining(server.get("/", "X-API-Key", "b"))).containsExactly(1L);
            HttpResponse<String> premium = server.get("/", "X-API-Key", "p");
            assertThat(header(premium, "RateLimit-Policy")).isEqualTo("\"perKey\";q=10;w=60");
            // p's permit spent under the old premium limit carries over (10 - 2).
            assertThat(remaining(premium)).containsExactly(8L);
            assertThat(remaining(server.get("/", "X-API-Key", "b2"))).containsExactly(2L);
            // Keys are moved between plans by the same call: b goes premium.
            filter.engine().updatePlans(Plans.builder()
                    .plan(Plan.of("basic", Limit.parse("3/1m")))
                    .plan(Plan.of("premium", Limit.parse("10/1m")))
                    .assign("b", "premium")
                    .build());
            assertThat(remaining(server.get("/", "X-API-Key", "b"))).containsExactly(9L);
            assertThat(server.get("/", "X-API-Key", "b2").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void shadowModeCanBeSwitchedPerPolicyInTheFile() throws Exception {
        writeConfig(
                "ratelimit.policies=trial,perKey",
                "ratelimit.policy.trial.key=header:X-API-Key",
                "ratelimit.policy.trial.limits=1/1m",
                "ratelimit.policy.trial.algorithm=FIXED_WINDOW",
                "ratelimit.policy.trial.shadow=true",
                "ratelimit.policy.perKey.key=header:X-API-Key",
                "ratelimit.policy.perKey.limits=100/1m",
                "ratelimit.policy.perKey.algorithm=FIXED_WINDOW",
                "ratelimit.headers.shadow=true", // shown, to see its state; hidden by default
                "ratelimit.reload=off");
        RecordingListener listener = new RecordingListener();
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).timeSource(clock)
                .listener(listener).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
            HttpResponse<String> overShadow = server.get("/", "X-API-Key", "k");
            assertThat(overShadow.statusCode()).isEqualTo(200);
            assertThat(remaining(overShadow)).containsExactly(0L, 98L);
            assertThat(listener.events).containsExactly("allowed http:trial k", "allowed http:perKey k",
                    "denied http:trial k", "allowed http:perKey k");

            // Switching shadow off enforces the policy; its limiter and state are the same.
            Files.writeString(config, Files.readString(config).replace("trial.shadow=true", "trial.shadow=false"));
            assertThat(filter.engine().reloadConfiguration()).isTrue();
            HttpResponse<String> enforced = server.get("/", "X-API-Key", "k");
            assertThat(enforced.statusCode()).isEqualTo(429);
            assertThat(enforced.body()).contains("\"violated-policies\":[\"trial\"]");
        }
    }
}
