package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The code examples of core's javadoc, as written there (up to the clock a test injects), so that a renamed or
 * changed API breaks this test instead of leaving the documentation wrong.
 */
class JavadocExamplesTest {

    private final AtomicLong now = new AtomicLong(4_102_444_800_000_000L);

    /** {@link RateLimiter}'s class comment. */
    @Test
    void rateLimiterClassExample() {
        RateLimiter limiter = RateLimiter.builder()
                .limits(Limit.parse("100/s"), Limit.parse("10000/1d"))   // both must allow
                .algorithm(Algorithm.TOKEN_BUCKET)
                .timeSource(now::get)
                .build();                                                // in-memory store by default

        Decision decision = limiter.tryAcquire("api-key-42");
        assertThat(decision.allowed()).isTrue();
        for (int i = 0; i < 99; i++) {
            limiter.tryAcquire("api-key-42");
        }
        decision = limiter.tryAcquire("api-key-42");
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.retryAfter()).isEqualTo(Duration.ofMillis(10));
    }

    /** The {@code dev.ratelimit} package comment. */
    @Test
    void packageExample() {
        String apiKey = "key-1";
        RateLimiter limiter = RateLimiter.builder()
                .limits(Limit.parse("100/1s"), Limit.parse("10000/1d"))
                .timeSource(now::get)
                .build();
        Decision d = limiter.tryAcquire(apiKey);
        assertThat(d.allowed()).isTrue();
        assertThat(d.remaining()).isEqualTo(99);
    }

    /** {@link Limit}'s class comment. */
    @Test
    void limitClassExamples() {
        assertThat(Limit.of(100, Duration.ofMinutes(1))).isEqualTo(Limit.parse("100/1m"));
        assertThat(Limit.parse("10/s")).isEqualTo(Limit.perSecond(10));
        assertThat(Limit.parse("5/24h")).isEqualTo(Limit.perDay(5));
        Limit bucket = Limit.parse("100/s burst 500");
        assertThat(bucket.permits()).isEqualTo(100);
        assertThat(bucket.capacity()).isEqualTo(500);
        assertThat(Limit.parse(bucket.toString())).isEqualTo(bucket);
    }

    /** {@link ViolationLog}'s class comment and its rate in the one vocabulary, a {@link Limit}. */
    @Test
    void violationLogClassExample() {
        RecordingLogger logger = new RecordingLogger();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("100/s"))
                .listener(ViolationLog.builder().level(Level.INFO).logger(logger).rate(Limit.parse("10/1s"))
                        .timeSource(now::get).build())
                .timeSource(now::get).build();
        for (int i = 0; i < 101; i++) {
            limiter.tryAcquire("k");
        }
        assertThat(logger.lines).singleElement().asString().startsWith("INFO Rate limit exceeded: limiter=rl key=k");
    }
}
