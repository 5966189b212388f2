package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.PlansHttpTest.remaining;
import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Refunds and penalties over real HTTP: permits given back when the application answers a refund status (or
 * fails), extra permits spent on a penalty status, and the engine's penalize/refund API.
 */
class SettleByStatusHttpTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void aRequestTheApplicationAnswersWithA5xxIsGivenItsPermitsBack() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("100/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("2/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).refundOnStatus("500-599").build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> failed = server.get("/", "X-API-Key", "k", "X-Test-Status", "503");
                assertThat(failed.statusCode()).isEqualTo(503);
                // The headers are written before the application runs; the refund comes after.
                assertThat(remaining(failed)).containsExactly(99L - i, 1L);
            }
            HttpResponse<String> thrown = server.get("/", "X-API-Key", "k", "X-Test-Throw", "yes");
            assertThat(thrown.statusCode()).isEqualTo(500);
            // Only perKey refunds: global kept every permit.
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(94L, 1L);
            HttpResponse<String> client = server.get("/", "X-API-Key", "k", "X-Test-Status", "404");
            assertThat(client.statusCode()).isEqualTo(404);
            assertThat(remaining(client)).containsExactly(93L, 0L);
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(429);
        }
    }

    @Test
    void anAsynchronousRequestIsSettledWhenItCompletes() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("2/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).refundOnStatus("500-599").build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> failed = server.get("/async/x", "X-API-Key", "k", "X-Test-Status", "502");
                assertThat(failed.statusCode()).isEqualTo(502);
                assertThat(failed.body()).isEqualTo("async");
            }
            // The response reaches the client before the container runs the completion listener, so wait for it
            // through the store: all three were given back.
            awaitRemaining(filter, "k", 2);
            HttpResponse<String> ok = server.get("/async/x", "X-API-Key", "k");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(remaining(ok)).containsExactly(1L);
        }
    }

    /** Polls (no sleeping on the limiter's clock) until the key has {@code expected} permits left, for up to 5 s. */
    private static void awaitRemaining(RateLimitFilter filter, String key, long expected) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long remaining;
        do {
            remaining = filter.engine().limiter("perKey", null).peek(key).remaining();
            if (remaining == expected) {
                return;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        assertThat(remaining).isEqualTo(expected);
    }

    @Test
    void aFailedLoginCostsThePenaltyOnTopOfTheRequest() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("login").paths("/login").methods("POST").key(KeyResolver.header("X-User-Id"))
                        .limits(Limit.parse("7/1h")).algorithm(Algorithm.FIXED_WINDOW)
                        .penaltyOnStatus("401,403", 2).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.send("POST", "/login", "X-User-Id", "bob"))).containsExactly(6L);
            HttpResponse<String> failed = server.send("POST", "/login", "X-User-Id", "bob", "X-Test-Status", "401");
            assertThat(failed.statusCode()).isEqualTo(401);
            assertThat(remaining(failed)).containsExactly(5L);
            // The failed login cost 1 + 2.
            assertThat(remaining(server.send("POST", "/login", "X-User-Id", "bob"))).containsExactly(2L);
            server.send("POST", "/login", "X-User-Id", "bob", "X-Test-Status", "403");
            HttpResponse<String> locked = server.send("POST", "/login", "X-User-Id", "bob");
            assertThat(locked.statusCode()).isEqualTo(429);
            assertThat(remaining(locked)).containsExactly(0L);
            // Another user is untouched.
            assertThat(remaining(server.send("POST", "/login", "X-User-Id", "eve"))).containsExactly(6L);
        }
    }

    @Test
    void theFilterApiPenalizesAndRefundsAKeyOrTheKeyOfARequest() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("10/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(Policy.builder("perPlan").key(KeyResolver.header("X-API-Key")).limitsFromPlans()
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .plans(Plans.builder().plan(Plan.of("basic", Limit.parse("20/1m"))).assign("k", "basic").build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(9L, 19L);
            Decision penalized = filter.engine().penalize("perKey", "k", 4);
            assertThat(penalized.remaining()).isEqualTo(5);
            assertThat(filter.engine().penalize("perPlan", "k", 10).remaining()).isEqualTo(9);
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(4L, 8L);
            assertThat(filter.engine().refund("perKey", "k", 3).remaining()).isEqualTo(7);
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(6L, 7L);

            assertThatThrownBy(() -> filter.engine().penalize("nope", "k", 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no policy is named nope");
            assertThatThrownBy(() -> filter.engine().penalize("perPlan", "stranger", 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stranger is on no plan");
            assertThatThrownBy(() -> filter.engine().refund("perKey", "k", 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void refundAndPenaltyStatusesComeFromTheFileAndBadOnesAreNamed() {
        Properties p = new Properties();
        p.setProperty("ratelimit.policies", "api");
        p.setProperty("ratelimit.policy.api.key", "ip");
        p.setProperty("ratelimit.policy.api.limits", "10/1s");
        p.setProperty("ratelimit.policy.api.refundOnStatus", "500-599, 429");
        p.setProperty("ratelimit.policy.api.penaltyOnStatus", "401");
        p.setProperty("ratelimit.policy.api.penalty", "5");
        Policy api = RateLimitConfig.parse(p).policies().get(0);
        assertThat(api.refundOnStatus()).isEqualTo("500-599,429");
        assertThat(api.penaltyOnStatus()).isEqualTo("401");
        assertThat(api.penaltyPermits()).isEqualTo(5);

        p.setProperty("ratelimit.policy.api.refundOnStatus", "5xx");
        assertThatThrownBy(() -> RateLimitConfig.parse(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratelimit.policy.api.refundOnStatus=5xx");
        p.setProperty("ratelimit.policy.api.refundOnStatus", "500-599");
        p.setProperty("ratelimit.policy.api.penalty", "0");
        assertThatThrownBy(() -> RateLimitConfig.parse(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratelimit.policy.api.penalty=0");
        p.remove("ratelimit.policy.api.penaltyOnStatus");
        p.setProperty("ratelimit.policy.api.penalty", "5");
        assertThatThrownBy(() -> RateLimitConfig.parse(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratelimit.policy.api.penalty=5");
    }
}
