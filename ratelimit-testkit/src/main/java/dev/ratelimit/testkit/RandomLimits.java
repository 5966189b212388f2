package dev.ratelimit.testkit;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Draws random limits for replaying request sequences against a store: small everyday limits, emission
 * intervals that are not whole microseconds (3/1s, 7/10s, 1000/3h), bursts, periods from one microsecond to
 * 3,650 days, and values at and just inside the {@link StoreBounds bounds} the store documents (permits near
 * {@link Limit#MAX_PERMITS}, sliding windows whose {@code permits x period} is at the store's bound, token buckets
 * whose burst fills the store's arithmetic or refill time). {@link #justOverBound} draws a limit the store must
 * reject when a limiter is built.
 *
 * <p>Everything comes from the {@link Random} passed in, so a seed reproduces a draw. Immutable and thread-safe
 * (the {@code Random} is the caller's).
 */
public final class RandomLimits {

    private static final long SECOND = 1_000_000L;
    private static final long[] PERIODS = {
        1, 7, 999, 250_000, SECOND, 1_300_000, 10 * SECOND, 60 * SECOND, 3_600 * SECOND, 3 * 3_600 * SECOND,
        86_400 * SECOND, 30L * 86_400 * SECOND, Limit.MAX_PERIOD_MICROS,
    };
    private static final long[] SMALL_PERMITS = {1, 2, 3, 4, 5, 7, 10, 13, 60, 100, 1_000};

    private final StoreBounds bounds;

    /**
     * Draws limits within {@code bounds}.
     *
     * @param bounds the store's documented bounds, such as {@link StoreBounds#core()}
     * @throws NullPointerException if bounds is null
     */
    public RandomLimits(StoreBounds bounds) {
        this.bounds = Objects.requireNonNull(bounds, "bounds");
    }

    /**
     * The bounds limits are drawn within.
     *
     * @return the bounds given to the constructor
     */
    public StoreBounds bounds() {
        return bounds;
    }

    /**
     * One to three distinct limits for {@code algorithm}, each within the bounds (bursts only for
     * {@link Algorithm#TOKEN_BUCKET}).
     *
     * @param random the source of every choice; a seeded one reproduces the draw
     * @param algorithm the algorithm the limits are for
     * @return an immutable list of one to three distinct limits
     * @throws NullPointerException if random or algorithm is null
     */
    public List<Limit> limits(Random random, Algorithm algorithm) {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(algorithm, "algorithm");
        int count = random.nextInt(10) < 6 ? 1 : random.nextInt(4) < 3 ? 2 : 3;
        List<Limit> limits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Limit limit = limit(random, algorithm);
            if (!limits.contains(limit)) {
                limits.add(limit);
            }
        }
        return List.copyOf(limits);
    }

    /**
     * One limit for {@code algorithm} within the bounds.
     *
     * @param random the source of every choice
     * @param algorithm the algorithm the limit is for
     * @return a limit the store must evaluate exactly
     * @throws NullPointerException if random or algorithm is null
     */
    public Limit limit(Random random, Algorithm algorithm) {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(algorithm, "algorithm");
        for (int attempt = 0; attempt < 20; attempt++) {
            Limit limit = draw(random, algorithm);
            if (limit != null && fits(algorithm, limit)) {
                return limit;
            }
        }
        return Limit.of(1 + random.nextInt(10), Duration.ofSeconds(1 + random.nextInt(10)));
    }

    /**
     * A limit just past one of the bounds for {@code algorithm}, which the store must reject when a limiter is
     * built; or null if the algorithm has no bound beyond what {@link Limit} itself enforces.
     *
     * @param random the source of every choice
     * @param algorithm the algorithm the limit is for
     * @return a limit just past a bound, or null
     * @throws NullPointerException if random or algorithm is null
     */
    public Limit justOverBound(Random random, Algorithm algorithm) {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(algorithm, "algorithm");
        long period = period(random);
        long over = 1 + random.nextInt(3);
        switch (algorithm) {
            case SLIDING_LOG -> {
                return bounds.maxSlidingLogPermits() + over > Limit.MAX_PERMITS ? null
                        : micros(bounds.maxSlidingLogPermits() + over, period);
            }
            case SLIDING_WINDOW -> {
                // The least permits whose product with the period passes the bound, plus a little.
                long permits = bounds.maxSlidingWindowProduct() / period + over;
                if (permits > Limit.MAX_PERMITS) {
                    period = Limit.MAX_PERIOD_MICROS;
                    permits = bounds.maxSlidingWindowProduct() / period + over;
                }
                return permits > Limit.MAX_PERMITS ? null : micros(permits, period);
            }
            case TOKEN_BUCKET -> {
                Limit base = micros(1 + random.nextInt(1_000), period);
                long numerator = base.intervalNumerator();
                long denominator = base.intervalDenominator();
                long byUnits = bounds.maxTokenBucketUnits() / numerator + over;
                // Past refill + 1 microsecond, so the refill time is over the bound whether a store rounds it up
                // or down.
                long byRefill = BigInteger.valueOf(bounds.maxTokenBucketRefillMicros() + 1)
                        .multiply(BigInteger.valueOf(denominator)).divide(BigInteger.valueOf(numerator))
                        .add(BigInteger.valueOf(over)).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
                long burst = random.nextBoolean() ? Math.min(byUnits, byRefill) : Math.max(byUnits, byRefill);
                if (burst > Limit.MAX_PERMITS) {
                    burst = Math.min(byUnits, byRefill);
                }
                return burst > Limit.MAX_PERMITS ? null : base.withBurst(burst);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * Whether {@code limit} is within the bounds for {@code algorithm}.
     *
     * @param algorithm the algorithm the limit would be counted with
     * @param limit the limit to check
     * @return true if the store must evaluate it exactly, false if it may reject it
     */
    public boolean fits(Algorithm algorithm, Limit limit) {
        if (limit.permits() > bounds.maxPermits() || limit.capacity() > bounds.maxPermits()) {
            return false;
        }
        return switch (algorithm) {
            case FIXED_WINDOW -> !limit.hasBurst();
            case SLIDING_LOG -> !limit.hasBurst() && limit.permits() <= bounds.maxSlidingLogPermits();
            case SLIDING_WINDOW -> !limit.hasBurst()
                    && product(limit.permits(), limit.periodMicros()).compareTo(big(bounds.maxSlidingWindowProduct())) <= 0;
            case TOKEN_BUCKET -> {
                BigInteger full = product(limit.capacity(), limit.intervalNumerator());
                BigInteger den = big(limit.intervalDenominator());
                BigInteger[] refill = full.divideAndRemainder(den);
                BigInteger refillMicros = refill[0].add(refill[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO);
                yield full.add(den).compareTo(big(bounds.maxTokenBucketUnits())) <= 0
                        && refillMicros.compareTo(big(bounds.maxTokenBucketRefillMicros())) <= 0;
            }
        };
    }

    private Limit draw(Random random, Algorithm algorithm) {
        int kind = random.nextInt(10);
        long period = period(random);
        long permits;
        if (kind < 4) {
            permits = SMALL_PERMITS[random.nextInt(SMALL_PERMITS.length)];
        } else if (kind < 7) {
            permits = 1 + random.nextInt(random.nextBoolean() ? 100 : 100_000);
        } else {
            permits = nearBound(random, algorithm, period);
        }
        permits = Math.min(permits, bounds.maxPermits());
        if (algorithm == Algorithm.SLIDING_LOG) {
            permits = Math.min(permits, bounds.maxSlidingLogPermits());
        }
        if (permits < 1) {
            return null;
        }
        Limit limit = micros(permits, period);
        if (algorithm == Algorithm.TOKEN_BUCKET) {
            int burst = random.nextInt(3);
            if (burst == 1) {
                limit = limit.withBurst(1 + random.nextLong(Math.min(bounds.maxPermits(), 3 * permits)));
            } else if (burst == 2 || kind >= 7) {
                long largest = largestBurst(limit);
                if (largest >= 1) {
                    limit = limit.withBurst(Math.max(1, largest - random.nextInt(3)));
                }
            }
        }
        return limit;
    }

    private long nearBound(Random random, Algorithm algorithm, long period) {
        long back = random.nextInt(3);
        return switch (algorithm) {
            case FIXED_WINDOW, TOKEN_BUCKET -> bounds.maxPermits() - back;
            case SLIDING_LOG -> bounds.maxSlidingLogPermits() - back;
            case SLIDING_WINDOW -> Math.min(bounds.maxPermits(), bounds.maxSlidingWindowProduct() / period) - back;
        };
    }

    /** The largest burst within both token-bucket bounds, or 0 if even 1 does not fit. */
    private long largestBurst(Limit limit) {
        long numerator = limit.intervalNumerator();
        long denominator = limit.intervalDenominator();
        BigInteger byUnits = big(bounds.maxTokenBucketUnits()).subtract(big(denominator)).divide(big(numerator));
        BigInteger byRefill = big(bounds.maxTokenBucketRefillMicros()).multiply(big(denominator))
                .divide(big(numerator));
        return byUnits.min(byRefill).min(big(bounds.maxPermits())).max(BigInteger.ZERO).longValue();
    }

    private static long period(Random random) {
        return random.nextInt(4) == 0 ? 1 + random.nextLong(30 * SECOND) : PERIODS[random.nextInt(PERIODS.length)];
    }

    private static Limit micros(long permits, long periodMicros) {
        return Limit.of(permits, Duration.ofNanos(periodMicros * 1_000));
    }

    private static BigInteger product(long a, long b) {
        return big(a).multiply(big(b));
    }

    private static BigInteger big(long value) {
        return BigInteger.valueOf(value);
    }
}
