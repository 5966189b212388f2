package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.PlansHttpTest.remaining;
import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.testkit.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A store that fails in ways other than a tidy {@code StoreException}: the failure policy decides, and the client
 * never sees a 500.
 */
class StoreFailureHttpTest {

    private final FakeClock clock = new FakeClock();
    private final FlakyStore store = new FlakyStore();

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("NullPointerException", (Supplier<RuntimeException>) NullPointerException::new),
                Arguments.of("IllegalStateException",
                        (Supplier<RuntimeException>) () -> new IllegalStateException("pool exhausted")),
                Arguments.of("UncheckedIOException", (Supplier<RuntimeException>) () ->
                        new UncheckedIOException(new IOException("connection reset"))));
    }

    private RateLimitFilter filter(FailurePolicy failurePolicy) {
        RateLimitFilterBuilder b = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("10/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .store(store)
                .timeSource(clock);
        if (failurePolicy != null) {
            b.failurePolicy(failurePolicy);
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void anyRuntimeExceptionFromTheStoreFailsOpenByDefaultAndNothingIsCountedMeanwhile(String name,
            Supplier<RuntimeException> failure) throws Exception {
        try (TestServer server = TestServer.start(filter(null))) {
            store.acquireFailure = failure;
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = server.get("/", "X-API-Key", "k");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok");
                assertThat(r.headers().firstValue("RateLimit")).isEmpty();
                assertThat(r.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
            }
            // The store is back: the outage spent nothing.
            store.acquireFailure = null;
            HttpResponse<String> back = server.get("/", "X-API-Key", "k");
            assertThat(back.statusCode()).isEqualTo(200);
            assertThat(remaining(back)).containsExactly(9L, 0L);
            assertThat(server.get("/", "X-API-Key", "k").statusCode()).isEqualTo(429);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void anyRuntimeExceptionFromTheStoreFailsClosedWith429WhenConfigured(String name,
            Supplier<RuntimeException> failure) throws Exception {
        try (TestServer server = TestServer.start(filter(FailurePolicy.deny(Duration.ofMillis(4500))))) {
            store.acquireFailure = failure;
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            // The failure policy's 4.5 s wait, rounded up.
            assertThat(header(denied, "Retry-After")).isEqualTo("5");
            // Issue 13: the store did not answer, so its state is unknown: only Retry-After, no RateLimit fields.
            assertThat(denied.headers().firstValue("RateLimit")).isEmpty();
            assertThat(denied.headers().firstValue("RateLimit-Policy")).isEmpty();
            assertThat(denied.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\","
                    + "\"status\":429,\"detail\":\"The rate limit store is unavailable and policy global fails"
                    + " closed; retry after 5 seconds.\",\"policy\":\"global\",\"retryAfter\":5}");
        }
    }

    @Test
    void aRefundThatFailsStillAnswers429AndTheHeaderShowsThePermitKeptSpent() throws Exception {
        try (TestServer server = TestServer.start(filter(null))) {
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(9L, 0L);
            store.adjustFailure = () -> new IllegalStateException("store went away between two calls");
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.body()).contains("\"violated-policies\":[\"perKey\"]");
            // global could not be given its permit back, and the header says so rather than pretend.
            assertThat(remaining(denied)).containsExactly(8L, 0L);

            store.adjustFailure = null;
            HttpResponse<String> next = server.get("/", "X-API-Key", "k");
            assertThat(next.statusCode()).isEqualTo(429);
            assertThat(remaining(next)).containsExactly(8L, 0L);
        }
    }

    @Test
    void withLocalFallbackTheLimitsHoldDuringAnOutageInThisJvm() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("10/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .store(store)
                .localFallback()
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            store.acquireFailure = () -> new IllegalStateException("outage");
            store.adjustFailure = () -> new IllegalStateException("outage");
            HttpResponse<String> first = server.get("/", "X-API-Key", "k");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(remaining(first)).containsExactly(9L, 0L);
            HttpResponse<String> denied = server.get("/", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.body()).contains("\"violated-policies\":[\"perKey\"]");
            // global's permit went back to the local limiter that spent it.
            assertThat(remaining(denied)).containsExactly(9L, 0L);
            assertThat(remaining(server.get("/", "X-API-Key", "k2"))).containsExactly(8L, 0L);

            // The store is back: it decides again, from its own state (it saw none of the outage).
            store.acquireFailure = null;
            store.adjustFailure = null;
            assertThat(remaining(server.get("/", "X-API-Key", "k"))).containsExactly(9L, 0L);
        }
    }

    @Test
    void localFallbackCanBeChosenInTheFileAndExcludesAnotherFailurePolicyInTheBuilder() {
        Properties p = new Properties();
        p.setProperty("ratelimit.policies", "api");
        p.setProperty("ratelimit.policy.api.key", "ip");
        p.setProperty("ratelimit.policy.api.limits", "10/1s");
        p.setProperty("ratelimit.failurePolicy", "local");
        assertThat(RateLimitConfig.parse(p).localFallback()).isTrue();
        p.setProperty("ratelimit.failurePolicy", "deny");
        assertThat(RateLimitConfig.parse(p).localFallback()).isFalse();
        p.setProperty("ratelimit.failurePolicy", "fallback");
        assertThatThrownBy(() -> RateLimitConfig.parse(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratelimit.failurePolicy=fallback: expected allow, deny or local");
        // Issue 14 (VOCAB): a builder option set twice is no error; the last call wins (RateLimitEngineTest).
        assertThatCode(() -> RateLimitFilter.builder().failurePolicy(FailurePolicy.deny()).localFallback())
                .doesNotThrowAnyException();
    }
}
