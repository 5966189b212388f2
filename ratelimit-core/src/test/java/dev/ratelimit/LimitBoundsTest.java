package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every limit is either rejected when the limiter is built, with a message naming the limit and the bound, or
 * decided exactly: the table holds limits at, just below and just above each algorithm's bound, and limits whose
 * products land in [2^63, 2^64), which a {@code long} wraps to a negative number (the regression: they used to
 * pass the check and then fail or over-admit at decision time).
 */
class LimitBoundsTest {

    private static final long MAX = Limit.MAX_PERMITS;

    static Stream<Arguments> table() {
        return Stream.of(
                // SLIDING_WINDOW: permits x period <= 2^62.
                row(Algorithm.SLIDING_WINDOW, Limit.parse("1000000000/3h"), "2^62"),          // 1.08e19: wraps
                row(Algorithm.SLIDING_WINDOW, Limit.parse("1000000000/1h"), null),            // 3.6e18
                row(Algorithm.SLIDING_WINDOW, micros(1L << 31, 1L << 31), null),              // exactly 2^62
                row(Algorithm.SLIDING_WINDOW, micros((1L << 31) + 1, 1L << 31), "2^62"),      // 2^62 + 2^31
                row(Algorithm.SLIDING_WINDOW, micros(1L << 32, 1L << 31), "2^62"),            // exactly 2^63
                row(Algorithm.SLIDING_WINDOW, micros((1L << 33) - 1, 1L << 31), "2^62"),      // just below 2^64
                row(Algorithm.SLIDING_WINDOW, micros(1L << 33, 1L << 31), "2^62"),            // exactly 2^64
                row(Algorithm.SLIDING_WINDOW, Limit.of(MAX, Duration.ofDays(3650)), "2^62"),
                row(Algorithm.SLIDING_WINDOW, Limit.of(MAX, Duration.ofNanos(1_000)), null),
                // TOKEN_BUCKET: 2 x capacity x numerator <= 2^62 and refill from empty <= 2^52 us.
                row(Algorithm.TOKEN_BUCKET, Limit.parse("1/1d burst 60000000"), "2^62"),      // 1.04e19: wraps
                row(Algorithm.TOKEN_BUCKET, Limit.parse("1/1d burst 20000000"), "2^52"),      // 54,757 years
                row(Algorithm.TOKEN_BUCKET, Limit.parse("1/1d burst 52124"), null),           // 142.7 years
                row(Algorithm.TOKEN_BUCKET, Limit.parse("1/1d burst 52125"), "2^52"),         // just over 2^52 us
                row(Algorithm.TOKEN_BUCKET, micros((1L << 21) + 1, 1L << 30).withBurst(1L << 31), null),
                row(Algorithm.TOKEN_BUCKET, micros((1L << 21) + 1, 1L << 30).withBurst((1L << 31) + 1), "2^62"),
                row(Algorithm.TOKEN_BUCKET, micros((1L << 21) + 1, 1L << 30).withBurst(1L << 32), "2^62"),
                row(Algorithm.TOKEN_BUCKET, micros((1L << 21) + 1, 1L << 30).withBurst(1L << 33), "2^62"),
                row(Algorithm.TOKEN_BUCKET, Limit.of(MAX, Duration.ofNanos(1_000)), null),
                row(Algorithm.TOKEN_BUCKET, Limit.of(MAX, Duration.ofSeconds(1)), "2^62"),
                row(Algorithm.TOKEN_BUCKET, Limit.of(3, Duration.ofSeconds(1)).withBurst(MAX), "2^62"),
                row(Algorithm.TOKEN_BUCKET, Limit.of(MAX, Duration.ofDays(3650)).withBurst(1), null),
                // FIXED_WINDOW: every valid limit.
                row(Algorithm.FIXED_WINDOW, Limit.of(MAX, Duration.ofDays(3650)), null),
                row(Algorithm.FIXED_WINDOW, Limit.of(MAX, Duration.ofNanos(1_000)), null),
                row(Algorithm.FIXED_WINDOW, Limit.parse("1/3650d"), null),
                // SLIDING_LOG: at most 100,000 permits.
                row(Algorithm.SLIDING_LOG, Limit.parse("100000/3650d"), null),
                row(Algorithm.SLIDING_LOG, Limit.parse("100001/1s"), "100000"));
    }

    private static Arguments row(Algorithm algorithm, Limit limit, String rejectedNaming) {
        return Arguments.of(algorithm, limit, rejectedNaming);
    }

    private static Limit micros(long permits, long periodMicros) {
        return Limit.of(permits, Duration.ofNanos(periodMicros * 1_000));
    }

    @ParameterizedTest(name = "{0} {1} rejected naming {2}")
    @MethodSource("table")
    void isRejectedAtBuildOrDecidedExactly(Algorithm algorithm, Limit limit, String rejectedNaming) {
        AtomicLong now = new AtomicLong(1_767_225_600_123_457L);
        RateLimiter.Builder builder = RateLimiter.builder().algorithm(algorithm).limit(limit)
                .timeSource(now::get).failurePolicy(FailurePolicy.deny());
        if (rejectedNaming != null) {
            assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(limit.toString()).hasMessageContaining(rejectedNaming);
            return;
        }
        RateLimiter limiter = builder.build();
        long capacity = limit.capacity();
        long period = limit.periodMicros();
        // Start at a window boundary, so the expected waits below are simple.
        now.set(Math.floorDiv(now.get(), period) * period + period);
        long start = now.get();

        Decision all = limiter.tryAcquire("k", capacity);
        assertThat(all.allowed()).as("the whole capacity at once: %s", all).isTrue();
        assertThat(all.remaining()).isZero();
        Decision one = limiter.tryAcquire("k");
        assertThat(one.reason()).as("%s", one).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        assertThat(one.retryAfterMicros()).isEqualTo(expectedWait(algorithm, limit, start));
        assertThat(one.retryAfterMicros()).isLessThan(Decision.NEVER_MICROS);
        assertThat(one.retryAfter().toNanos()).isPositive();

        now.addAndGet(one.retryAfterMicros() - 1);
        assertThat(limiter.tryAcquire("k").allowed()).as("1us before retryAfter").isFalse();
        now.addAndGet(1);
        Decision retried = limiter.tryAcquire("k");
        assertThat(retried.allowed()).as("at retryAfter: %s", retried).isTrue();

        // Penalties and refunds of any size clamp exactly.
        for (long delta : new long[] {capacity + 1, 100_000_000_000_000L, Long.MAX_VALUE}) {
            assertThat(limiter.penalize("k", delta).remaining()).as("penalize %d", delta).isZero();
            assertThat(limiter.tryAcquire("k").allowed()).as("after penalize %d", delta).isFalse();
        }
        for (long delta : new long[] {capacity, 100_000_000_000_000L, Long.MAX_VALUE}) {
            limiter.penalize("k", Long.MAX_VALUE);
            Decision refunded = limiter.refund("k", delta);
            long given = Math.min(capacity, delta);
            if (algorithm != Algorithm.SLIDING_WINDOW) {
                assertThat(refunded.remaining()).as("refund %d", delta).isEqualTo(given);
            }
            assertThat(limiter.tryAcquire("k", algorithm == Algorithm.SLIDING_WINDOW ? 1 : given).allowed())
                    .as("after refund %d", delta).isTrue();
        }
        assertThat(limiter.refund("fresh", Long.MAX_VALUE).remaining()).isEqualTo(capacity);
        assertThat(limiter.penalize("fresh2", Long.MAX_VALUE).remaining()).isZero();
    }

    /** The wait for one permit after the whole capacity was spent at {@code start}, a window boundary. */
    private static long expectedWait(Algorithm algorithm, Limit limit, long start) {
        BigInteger period = BigInteger.valueOf(limit.periodMicros());
        BigInteger permits = BigInteger.valueOf(limit.permits());
        return switch (algorithm) {
            // One token: ceil(period / permits).
            case TOKEN_BUCKET -> ceil(period, permits);
            case FIXED_WINDOW, SLIDING_LOG -> limit.periodMicros();
            // Next window, once permits x (1 - e/period) <= permits - 1: e = ceil(period / permits).
            case SLIDING_WINDOW -> limit.periodMicros() + ceil(period, permits);
        };
    }

    private static long ceil(BigInteger a, BigInteger b) {
        BigInteger[] qr = a.divideAndRemainder(b);
        return qr[0].add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO).longValueExact();
    }
}
