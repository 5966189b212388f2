package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, what clients see: every limit described on every response, nothing claimed that is not known, shadow
 * policies kept out of the headers unless asked for, a 401 with its challenge and problem details without a
 * charset. Real HTTP to Jetty on a fake clock.
 */
class ResponseHeadersHttpTest {

    private final FakeClock clock = new FakeClock();

    private static Policy.Builder perKey() {
        return Policy.builder("perKey").key(KeyResolver.header("X-API-Key"));
    }

    @Test
    void aPolicyWithSeveralLimitsDescribesEveryLimitOnEveryResponse() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKey().limits(Limit.parse("3/2s"), Limit.parse("5/1m")).algorithm(Algorithm.FIXED_WINDOW)
                        .build())
                .timeSource(clock)
                .build();
        String policy = "\"perKey/2s\";q=3;w=2, \"perKey/1m\";q=5;w=60";
        try (TestServer server = TestServer.start(filter)) {
            List<String> states = new ArrayList<>();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                responses.add(server.get("/", "X-API-Key", "k"));
            }
            clock.advance(Duration.ofSeconds(2));
            for (int i = 0; i < 3; i++) {
                responses.add(server.get("/", "X-API-Key", "k"));
            }
            for (HttpResponse<String> r : responses) {
                // The same policy on every response, whichever limit binds: a client can plan with both.
                assertThat(header(r, "RateLimit-Policy")).isEqualTo(policy);
                states.add(r.statusCode() + " " + header(r, "RateLimit") + " " + header(r, "X-RateLimit-Limit"));
            }
            // RateLimit names the item of the limit that binds: the per-2s one, then the per-minute one.
            assertThat(states).containsExactly(
                    "200 \"perKey/2s\";r=2;t=2 3",
                    "200 \"perKey/2s\";r=1;t=2 3",
                    "200 \"perKey/2s\";r=0;t=2 3",
                    "429 \"perKey/2s\";r=0;t=2 3",
                    "200 \"perKey/1m\";r=1;t=58 5",
                    "200 \"perKey/1m\";r=0;t=58 5",
                    "429 \"perKey/1m\";r=0;t=58 5");
        }
    }

    @Test
    void aStoreOutageUnderFailClosedSendsOnlyRetryAfterNotAStateItDoesNotKnow() throws Exception {
        FlakyStore store = new FlakyStore();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKey().limits(Limit.parse("10/1m")).build())
                .store(store)
                .failurePolicy(FailurePolicy.deny(Duration.ofSeconds(3)))
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> before = server.get("/", "X-API-Key", "k");
            assertThat(header(before, "RateLimit")).isEqualTo("\"perKey\";r=9;t=6");

            store.acquireFailure = () -> new StoreException("Redis is down (test)");
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo("3");
            assertThat(denied.headers().map().keySet()).noneMatch(name -> name.toLowerCase().contains("ratelimit"));
            assertThat(denied.body()).contains("\"type\":\"about:blank\"", "store is unavailable",
                    "\"retryAfter\":3");

            store.acquireFailure = null;
            assertThat(header(server.get("/", "X-API-Key", "k"), "RateLimit")).isEqualTo("\"perKey\";r=8;t=12");
        }
    }

    @Test
    void aShadowPolicyIsReportedButKeptOutOfTheHeadersByDefault() throws Exception {
        RecordingListener listener = new RecordingListener();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("trial").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).shadow(true).build())
                .policy(perKey().limits(Limit.parse("3/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .timeSource(clock)
                .listener(listener)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            server.get("/", "X-API-Key", "k");
            HttpResponse<String> overShadow = server.get("/", "X-API-Key", "k");
            assertThat(overShadow.statusCode()).isEqualTo(200);
            // Only the enforced policy: a client honouring the shadow policy's r=0 would throttle itself for nothing.
            assertThat(header(overShadow, "RateLimit-Policy")).isEqualTo("\"perKey\";q=3;w=60");
            assertThat(header(overShadow, "RateLimit")).isEqualTo("\"perKey\";r=1;t=60");
            assertThat(header(overShadow, "X-RateLimit-Remaining")).isEqualTo("1");
            // The listener (metrics, violation log) hears the shadow policy's decisions all the same.
            assertThat(listener.events).containsExactly("allowed http:trial k", "allowed http:perKey k",
                    "denied http:trial k", "allowed http:perKey k");
        }
        RateLimitFilter shown = RateLimitFilter.builder()
                .policy(Policy.builder("trial").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).shadow(true).build())
                .policy(perKey().limits(Limit.parse("3/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .timeSource(clock)
                .shadowHeaders(true)
                .build();
        try (TestServer server = TestServer.start(shown)) {
            server.get("/", "X-API-Key", "k");
            HttpResponse<String> overShadow = server.get("/", "X-API-Key", "k");
            assertThat(header(overShadow, "RateLimit")).isEqualTo("\"trial\";r=0;t=60, \"perKey\";r=1;t=60");
        }
    }

    private RateLimitFilter challengeFilter() {
        return RateLimitFilter.builder()
                .policy(perKey().paths("/api/**").limits(Limit.parse("1/1m")).build())
                .policy(Policy.builder("perUser").paths("/me/**").key(KeyResolver.principal())
                        .limits(Limit.parse("1/1m")).build())
                .policy(Policy.builder("plans").paths("/paid/**").key(KeyResolver.header("X-API-Key"))
                        .limitsFromPlans().build())
                .plans(Plans.builder().plan(Plan.of("basic", Limit.parse("1/1m"))).assign("good", "basic").build())
                .timeSource(clock)
                .build();
    }

    @Test
    void a401CarriesAWwwAuthenticateChallenge() throws Exception {
        try (TestServer server = TestServer.start(challengeFilter())) {
            HttpResponse<String> noKey = server.get("/api/orders");
            assertThat(noKey.statusCode()).isEqualTo(401);
            assertThat(header(noKey, "WWW-Authenticate")).isEqualTo("ApiKey realm=\"perKey\", header=\"X-API-Key\"");

            HttpResponse<String> noUser = server.get("/me/profile");
            assertThat(noUser.statusCode()).isEqualTo(401);
            assertThat(header(noUser, "WWW-Authenticate")).isEqualTo("ApiKey realm=\"perUser\"");

            HttpResponse<String> unknownKey = server.get("/paid/x", "X-API-Key", "nobody-issued-this");
            assertThat(unknownKey.statusCode()).isEqualTo(401);
            assertThat(header(unknownKey, "WWW-Authenticate"))
                    .isEqualTo("ApiKey realm=\"plans\", header=\"X-API-Key\"");
        }
    }

    @Test
    void problemDetailsAreApplicationProblemJsonWithoutACharset() throws Exception {
        try (TestServer server = TestServer.start(challengeFilter())) {
            // JSON has no charset parameter (RFC 8259); the body is UTF-8.
            assertThat(header(server.get("/api/orders"), "Content-Type")).isEqualTo("application/problem+json");
            assertThat(header(server.get("/paid/x", "X-API-Key", "nobody"), "Content-Type"))
                    .isEqualTo("application/problem+json");
            server.get("/api/orders", "X-API-Key", "k");
            HttpResponse<String> denied = server.get("/api/orders", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Content-Type")).isEqualTo("application/problem+json");
            assertThat(denied.headers().firstValue("WWW-Authenticate")).isEmpty();
        }
    }
}
