package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.testkit.CountingStore;
import dev.ratelimit.testkit.FailingStore;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The filter in a real Jetty, driven by real HTTP requests; time is a fake clock. */
class RateLimitFilterHttpTest {

    private final FakeClock clock = new FakeClock();

    private static Policy.Builder perKey() {
        return Policy.builder("perKey").key(KeyResolver.header("X-API-Key"));
    }

    @Test
    void deniedRequestGets429WithRetryAfterProblemBodyAndHeaderValues() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKey().limits(Limit.parse("2/1m")).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> first = server.get("/api/orders", "X-API-Key", "k1");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("ok");
            assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"perKey\";q=2;w=60");
            // One of two tokens spent: the bucket is full again in 30 s.
            assertThat(header(first, "RateLimit")).isEqualTo("\"perKey\";r=1;t=30");
            assertThat(header(first, "X-RateLimit-Limit")).isEqualTo("2");
            assertThat(header(first, "X-RateLimit-Remaining")).isEqualTo("1");
            assertThat(header(first, "X-RateLimit-Reset")).isEqualTo("30");

            HttpResponse<String> second = server.get("/api/orders", "X-API-Key", "k1");
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(header(second, "RateLimit")).isEqualTo("\"perKey\";r=0;t=60");

            HttpResponse<String> denied = server.get("/api/orders", "X-API-Key", "k1");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo("30");
            assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
            assertThat(header(denied, "RateLimit-Policy")).isEqualTo("\"perKey\";q=2;w=60");
            assertThat(header(denied, "RateLimit")).isEqualTo("\"perKey\";r=0;t=30");
            assertThat(header(denied, "X-RateLimit-Limit")).isEqualTo("2");
            assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(header(denied, "X-RateLimit-Reset")).isEqualTo("30");
            assertThat(denied.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types"
                    + "#quota-exceeded\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Policy perKey"
                    + " allows 2 requests per 1m; retry after 30 seconds.\",\"policy\":\"perKey\",\"retryAfter\":30,"
                    + "\"violated-policies\":[\"perKey\"]}");

            // Another key has its own bucket; after the wait the first key is served again.
            assertThat(server.get("/api/orders", "X-API-Key", "k2").statusCode()).isEqualTo(200);
            clock.advance(Duration.ofSeconds(30));
            assertThat(server.get("/api/orders", "X-API-Key", "k1").statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "after {0} us the wait of {1} us is sent as Retry-After: {2}")
    @CsvSource({
        "0, 10000000, 10",
        "8500000, 1500000, 2",
        "9000000, 1000000, 1",
        "9999999, 1, 1",
    })
    void retryAfterIsTheWaitInWholeSecondsRoundedUpAndNeverZero(long elapsedMicros, long waitMicros,
            String retryAfter) throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKey().limits(Limit.parse("1/10s")).build())
                .timeSource(clock)
                .legacyHeaders(false)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
            clock.advanceMicros(elapsedMicros);
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo(retryAfter);
            assertThat(header(denied, "RateLimit")).isEqualTo("\"perKey\";r=0;t=" + retryAfter);
            assertThat(denied.headers().firstValue("X-RateLimit-Limit")).isEmpty();
            // The wait is exact: one microsecond early is still denied, on time is allowed.
            clock.advanceMicros(waitMicros - 1);
            assertThat(header(server.get("/", "X-API-Key", "k"), "Retry-After")).isEqualTo("1");
            clock.advanceMicros(1);
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aWaitOfAFractionOfASecondIsSentAsOneSecond() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKey().limits(Limit.parse("3/1s")).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 3; i++) {
                assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo("1");
            assertThat(denied.body()).contains("retry after 1 second.").contains("\"retryAfter\":1");
        }
    }

    @Test
    void severalPoliciesAllowOnlyTogetherAndADenialSpendsNothingOnTheOthers() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all"))
                        .limits(Limit.parse("5/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(Policy.builder("perUser").key(KeyResolver.header("X-User-Id"))
                        .limits(Limit.parse("2/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(Policy.builder("perUserRoute").paths("/api/**")
                        .key(KeyResolver.composite(KeyResolver.header("X-User-Id"), KeyResolver.route()))
                        .limits(Limit.parse("1/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> r1 = server.get("/api/x", "X-User-Id", "a");
            assertThat(r1.statusCode()).isEqualTo(200);
            assertThat(header(r1, "RateLimit-Policy"))
                    .isEqualTo("\"global\";q=5;w=60, \"perUser\";q=2;w=60, \"perUserRoute\";q=1;w=60");
            assertThat(header(r1, "RateLimit"))
                    .isEqualTo("\"global\";r=4;t=60, \"perUser\";r=1;t=60, \"perUserRoute\";r=0;t=60");
            // The legacy headers report the policy with the fewest permits left.
            assertThat(header(r1, "X-RateLimit-Limit")).isEqualTo("1");
            assertThat(header(r1, "X-RateLimit-Remaining")).isEqualTo("0");

            // perUserRoute denies; global and perUser get back what they spent on this request.
            HttpResponse<String> r2 = server.get("/api/x", "X-User-Id", "a");
            assertThat(r2.statusCode()).isEqualTo(429);
            assertThat(r2.body()).contains("\"policy\":\"perUserRoute\"");
            assertThat(header(r2, "RateLimit"))
                    .isEqualTo("\"global\";r=4;t=60, \"perUser\";r=1;t=60, \"perUserRoute\";r=0;t=60");
            assertThat(header(r2, "X-RateLimit-Limit")).isEqualTo("1");

            HttpResponse<String> r3 = server.get("/api/y", "X-User-Id", "a");
            assertThat(r3.statusCode()).isEqualTo(200);
            assertThat(header(r3, "RateLimit"))
                    .isEqualTo("\"global\";r=3;t=60, \"perUser\";r=0;t=60, \"perUserRoute\";r=0;t=60");

            // Outside /api only two policies apply; perUser denies and global is refunded.
            HttpResponse<String> r4 = server.get("/other", "X-User-Id", "a");
            assertThat(r4.statusCode()).isEqualTo(429);
            assertThat(header(r4, "RateLimit")).isEqualTo("\"global\";r=3;t=60, \"perUser\";r=0;t=60");
            assertThat(r4.body()).contains("\"policy\":\"perUser\"");

            HttpResponse<String> r5 = server.get("/other", "X-User-Id", "b");
            assertThat(r5.statusCode()).isEqualTo(200);
            assertThat(header(r5, "RateLimit")).isEqualTo("\"global\";r=2;t=60, \"perUser\";r=1;t=60");
        }
    }

    @Test
    void excludedPathsAndPathsNoPolicyMatchesBypassLimiting() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("api").paths("/api/**").methods("GET", "post")
                        .key(KeyResolver.constant("all")).limits(Limit.parse("1/1m")).build())
                .exclude("/api/health", "/api/metrics/**")
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> health = server.get("/api/health");
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.headers().firstValue("RateLimit")).isEmpty();
                assertThat(server.get("/api/metrics/jvm/heap").statusCode()).isEqualTo(200);
                assertThat(server.get("/static/app.js").statusCode()).isEqualTo(200);
                assertThat(server.send("DELETE", "/api/orders/1").statusCode()).isEqualTo(200);
            }
            assertThat(server.get("/api/orders").statusCode()).isEqualTo(200);
            assertThat(server.send("POST", "/api/orders").statusCode()).isEqualTo(429);
            assertThat(server.get("/api/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aMissingKeyIsRejectedWith401AndSpendsNothingOnOtherPolicies() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("10/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(perKey().limits(Limit.parse("5/1m")).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> rejected = server.get("/api", "X-API-Key", "   ");
            assertThat(rejected.statusCode()).isEqualTo(401);
            assertThat(header(rejected, "Content-Type")).startsWith("application/problem+json");
            assertThat(rejected.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Unauthorized\","
                    + "\"status\":401,\"detail\":\"Policy perKey identifies clients by header:X-API-Key, and this"
                    + " request has no such key.\",\"policy\":\"perKey\"}");
            assertThat(server.get("/api").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = server.get("/api", "X-API-Key", "k");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(header(ok, "RateLimit")).startsWith("\"global\";r=9;");
        }
    }

    @Test
    void aMissingKeyCanFallIntoOneSharedAnonymousBucket() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKey().limits(Limit.parse("2/1m")).onMissingKey(Policy.MissingKey.ANONYMOUS).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
            assertThat(server.get("/", "X-API-Key", "").statusCode()).isEqualTo(200);
            assertThat(server.get("/").statusCode()).isEqualTo(429);
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theAuthenticatedPrincipalCanBeTheKey() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perUser").key(KeyResolver.principal()).limits(Limit.parse("1/1m")).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-Test-User", "alice").statusCode()).isEqualTo(200);
            assertThat(server.get("/", "X-Test-User", "alice").statusCode()).isEqualTo(429);
            assertThat(server.get("/", "X-Test-User", "bob").statusCode()).isEqualTo(200);
            assertThat(server.get("/").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aShadowPolicyReportsButNeverBlocksAndIsNotRefunded() throws Exception {
        RecordingListener listener = new RecordingListener();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("trial").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).shadow(true).build())
                .policy(perKey().limits(Limit.parse("3/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .timeSource(clock)
                .listener(listener)
                .shadowHeaders(true) // shown, to see its state; hidden by default (ResponseHeadersHttpTest)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = server.get("/", "X-API-Key", "k");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(header(r, "RateLimit")).isEqualTo("\"trial\";r=0;t=60, \"perKey\";r=" + (2 - i) + ";t=60");
            }
            // perKey denies now; the shadow policy decided too, and reports the denial, but blocks nothing.
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.body()).contains("\"policy\":\"perKey\"");
            assertThat(listener.events).containsExactly(
                    "allowed http:trial k", "allowed http:perKey k",
                    "denied http:trial k", "allowed http:perKey k",
                    "denied http:trial k", "allowed http:perKey k",
                    "denied http:trial k", "denied http:perKey k");
        }
    }

    @Test
    void aShadowPolicyThatWouldAllowIsNotGivenBackWhenAnEnforcedPolicyDenies() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("observe").key(KeyResolver.constant("all")).limits(Limit.parse("10/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).shadow(true).build())
                .policy(perKey().limits(Limit.parse("1/1m")).algorithm(Algorithm.FIXED_WINDOW).build())
                .timeSource(clock)
                .shadowHeaders(true) // shown, to see its state; hidden by default (ResponseHeadersHttpTest)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(200);
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "RateLimit")).isEqualTo("\"observe\";r=8;t=60, \"perKey\";r=0;t=60");
        }
    }

    @Test
    void aStoreThatThrowsFailsOpenByDefault() throws Exception {
        CountingStore store = CountingStore.wrapping(FailingStore.create());
        RecordingListener listener = new RecordingListener();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("1/1m")).build())
                .policy(perKey().limits(Limit.parse("1/1m")).build())
                .store(store)
                .timeSource(clock)
                .listener(listener)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = server.get("/", "X-API-Key", "k");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok");
                // The state is unknown, so no RateLimit header pretends to know it.
                assertThat(r.headers().firstValue("RateLimit")).isEmpty();
            }
            assertThat(store.calls()).isEqualTo(6);
            assertThat(listener.events).contains("error http:global all", "error http:perKey k");
        }
    }

    @Test
    void aStoreThatThrowsFailsClosedWith429WhenConfigured() throws Exception {
        CountingStore store = CountingStore.wrapping(FailingStore.create());
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("100/1s"))
                        .build())
                .policy(perKey().limits(Limit.parse("1/1m")).build())
                .store(store)
                .failurePolicy(FailurePolicy.deny())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo("1");
            assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
            assertThat(denied.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\","
                    + "\"status\":429,\"detail\":\"The rate limit store is unavailable and policy global fails"
                    + " closed; retry after 1 second.\",\"policy\":\"global\",\"retryAfter\":1}");
            // Issue 13: the store did not answer, so its state is unknown: only Retry-After, no RateLimit fields.
            assertThat(denied.headers().firstValue("RateLimit")).isEmpty();
            assertThat(denied.headers().firstValue("RateLimit-Policy")).isEmpty();
            assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
            // The first policy denied, so the second was never asked.
            assertThat(store.calls()).isEqualTo(1);
        }
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElseThrow(() -> new AssertionError(
                "no " + name + " header in " + response.statusCode() + " response with " + response.headers().map()));
    }
}
