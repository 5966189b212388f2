package dev.ratelimit.testkit;

import dev.ratelimit.Limit;
import dev.ratelimit.internal.Check;

/**
 * The largest limits and times a store documents it evaluates exactly, so that {@link RandomLimits} can draw
 * limits near (and, for rejection checks, just past) them. A store's contract subclass returns its own from
 * {@link RateLimitStoreContract#storeBounds()}; {@link #core()} holds the bounds of the reference transitions and
 * the in-memory store. Immutable and thread-safe.
 *
 * @param maxPermits largest permits or burst of any limit (at most {@link Limit#MAX_PERMITS})
 * @param maxSlidingWindowProduct largest {@code permits x period in microseconds} of a sliding-window limit
 * @param maxTokenBucketUnits largest {@code capacity x intervalNumerator + intervalDenominator} of a token-bucket
 *     limit
 * @param maxTokenBucketRefillMicros longest time a token bucket may take to refill from empty
 *     ({@code capacity x period / permits}, rounded up)
 * @param maxSlidingLogPermits largest permits of a sliding-log limit
 * @param maxTimeMicros latest time, in microseconds since the epoch, the store accepts
 */
public record StoreBounds(long maxPermits, long maxSlidingWindowProduct, long maxTokenBucketUnits,
        long maxTokenBucketRefillMicros, long maxSlidingLogPermits, long maxTimeMicros) {

    /**
     * Checks the values.
     *
     * @param maxPermits largest permits or burst of any limit, 1 to {@link Limit#MAX_PERMITS}
     * @param maxSlidingWindowProduct largest {@code permits x period in microseconds} of a sliding-window limit
     * @param maxTokenBucketUnits largest {@code capacity x intervalNumerator + intervalDenominator} of a
     *     token-bucket limit
     * @param maxTokenBucketRefillMicros longest refill from empty of a token bucket, in microseconds
     * @param maxSlidingLogPermits largest permits of a sliding-log limit
     * @param maxTimeMicros latest time the store accepts, in microseconds since the epoch
     * @throws IllegalArgumentException if a bound is not positive or maxPermits exceeds {@link Limit#MAX_PERMITS}
     */
    public StoreBounds {
        Check.between("maxPermits", maxPermits, 1, Limit.MAX_PERMITS);
        Check.positive("maxSlidingWindowProduct", maxSlidingWindowProduct);
        Check.positive("maxTokenBucketUnits", maxTokenBucketUnits);
        Check.positive("maxTokenBucketRefillMicros", maxTokenBucketRefillMicros);
        Check.positive("maxSlidingLogPermits", maxSlidingLogPermits);
        Check.positive("maxTimeMicros", maxTimeMicros);
    }

    /**
     * The bounds of the reference transitions and the in-memory store: sliding window {@code permits x period <=
     * 2^62}, token bucket {@code 2 x capacity x numerator <= 2^62} and refill within 2^52 us, sliding log 100,000
     * permits, times up to 2^52 us (the year 2112).
     *
     * @return the core bounds
     */
    public static StoreBounds core() {
        return new StoreBounds(Limit.MAX_PERMITS, 1L << 62, 1L << 61, 1L << 52, 100_000, 1L << 52);
    }

    /**
     * A copy with another sliding-window bound.
     *
     * @param max the largest {@code permits x period in microseconds}, at least 1
     * @return the new bounds
     * @throws IllegalArgumentException if max is not positive
     */
    public StoreBounds withMaxSlidingWindowProduct(long max) {
        return new StoreBounds(maxPermits, max, maxTokenBucketUnits, maxTokenBucketRefillMicros, maxSlidingLogPermits,
                maxTimeMicros);
    }

    /**
     * A copy with other token-bucket bounds.
     *
     * @param maxUnits the largest {@code capacity x intervalNumerator + intervalDenominator}, at least 1
     * @param maxRefillMicros the longest refill from empty in microseconds, at least 1
     * @return the new bounds
     * @throws IllegalArgumentException if a value is not positive
     */
    public StoreBounds withTokenBucket(long maxUnits, long maxRefillMicros) {
        return new StoreBounds(maxPermits, maxSlidingWindowProduct, maxUnits, maxRefillMicros, maxSlidingLogPermits,
                maxTimeMicros);
    }

    /**
     * A copy with another sliding-log bound.
     *
     * @param max the largest permits of a sliding-log limit, at least 1
     * @return the new bounds
     * @throws IllegalArgumentException if max is not positive
     */
    public StoreBounds withMaxSlidingLogPermits(long max) {
        return new StoreBounds(maxPermits, maxSlidingWindowProduct, maxTokenBucketUnits, maxTokenBucketRefillMicros,
                max, maxTimeMicros);
    }

    /**
     * A copy with another latest time.
     *
     * @param max the latest time the store accepts, in microseconds since the epoch, at least 1
     * @return the new bounds
     * @throws IllegalArgumentException if max is not positive
     */
    public StoreBounds withMaxTimeMicros(long max) {
        return new StoreBounds(maxPermits, maxSlidingWindowProduct, maxTokenBucketUnits, maxTokenBucketRefillMicros,
                maxSlidingLogPermits, max);
    }
}
