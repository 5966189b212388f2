package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.math.BigInteger;
import java.util.List;

/**
 * Token bucket, encoded as GCRA (the generic cell rate algorithm).
 *
 * <p>A bucket holds up to {@code capacity} tokens and refills continuously at {@code permits / period}; a
 * request takes {@code permits} tokens if that many are there. GCRA keeps the same bucket as one number, the
 * <em>theoretical arrival time</em> (TAT): the time at which the bucket would be full again. Each token is worth
 * one emission interval {@code I = period / permits}, so at time {@code now} the bucket is short of
 * {@code (TAT - now) / I} tokens:
 *
 * <pre>
 *   tat      = max(TAT, now)                    (a bucket never holds more than full)
 *   allowed iff tat + permits * I - now &lt;= capacity * I
 *   then    TAT = tat + permits * I
 *   wait    = tat + permits * I - capacity * I - now   (rounded up to a microsecond)
 * </pre>
 *
 * <p>The decisions equal a greedy token bucket's (Bucket4j's {@code refillGreedy}) because both describe the
 * same function of time. {@code I} is rarely a whole number of microseconds (3 per second is 333,333.3 us), so
 * the TAT is kept exactly as a mixed number: whole microseconds plus a remainder in units of
 * {@code 1 / denominator} microseconds, where {@code I = numerator / denominator} is reduced
 * ({@link Limit#intervalNumerator()}). No rounding accumulates, however long the key lives.
 *
 * <p>State per limit: {@code [tatMicros, remainder]}, and after all limits' fields each limit's
 * {@code [periodMicros, permits, capacity]} (see {@link PerLimitTransition}). A fresh key starts with a full
 * bucket. If the clock steps back, the stored TAT stays in force, so the bucket looks emptier, never fuller.
 *
 * <p>Changed limits (see {@link StateTransition}; a limit continues the stored limit of its period, or the one
 * left over in order): the bucket keeps its <em>deficit</em>, the tokens it is short of at the moment of the first
 * request under the new limit, measured at the old rate; clamped to the new capacity; and converted to the new
 * rate's unit rounding up (toward fewer permits, never beyond the limit). 5/1m with all 5 spent, raised to 10/1m:
 * 5 short of 10, so 5 available at once. 10/1m with 3 spent, lowered to 5/1m: 3 short of 5, 2 available; with 10
 * spent: clamped to 5 short, none available, full again after one minute. The converted bucket is stored with that
 * request, even a denied one, and refills at the new rate from then on. An added limit starts full. A stored
 * limit identical to the new one keeps its TAT as it is (after the clock stepped back, possibly more than a full
 * deficit).
 */
final class TokenBucket extends PerLimitTransition {

    static final TokenBucket INSTANCE = new TokenBucket();
    private static final int WIDTH = 2;
    /** Debt beyond which arithmetic would overflow; only reachable when the clock jumps back a long way. */
    private static final long SATURATED = 1L << 62;

    @Override
    public Algorithm algorithm() {
        return Algorithm.TOKEN_BUCKET;
    }

    /** Longest time a bucket may take to refill from empty: 2^52 microseconds, about 142 years. */
    static final long MAX_REFILL_MICROS = 1L << 52;

    /**
     * Accepts a limit when {@code 2 x capacity x numerator <= 2^62} (the debt arithmetic, with room for a
     * penalty on top of a full debt, stays in a long) and the bucket refills from empty within 2^52 microseconds
     * (about 142 years), so that every wait a denial reports is shorter than {@link
     * dev.ratelimit.Decision#NEVER_MICROS} and converts to nanoseconds without overflow.
     */
    @Override
    public void validate(List<Limit> limits) {
        for (Limit limit : limits) {
            checkProduct(limit, limit.capacity(), limit.intervalNumerator() * 2,
                    "2 x capacity x reduced emission interval numerator", "TOKEN_BUCKET");
            long refill = ceilDiv(limit.capacity() * limit.intervalNumerator(), limit.intervalDenominator());
            if (refill > MAX_REFILL_MICROS) {
                throw new IllegalArgumentException("limit " + limit + " is too large for TOKEN_BUCKET: the time to"
                        + " refill the bucket from empty (capacity x period / permits) is " + refill
                        + "us but must be at most 2^52us (about 142 years); use a smaller burst");
            }
        }
    }

    @Override
    int width() {
        return WIDTH;
    }

    /** Period, permits and capacity: the limit itself. */
    @Override
    int descriptorWidth() {
        return 3;
    }

    @Override
    void describe(long[] to, int n, int i, Limit limit) {
        int d = descriptor(n, i);
        to[d] = limit.periodMicros();
        to[d + 1] = limit.permits();
        to[d + 2] = limit.capacity();
    }

    @Override
    boolean writtenUnder(long[] s, int stored, int j, Limit limit) {
        int d = descriptor(stored, j);
        return s[d] == limit.periodMicros() && s[d + 1] == limit.permits() && s[d + 2] == limit.capacity();
    }

    @Override
    void fresh(long[] to, int i, Limit limit, long now) {
        to[1 + WIDTH * i] = now;
    }

    /**
     * Keeps the deficit: the tokens stored limit {@code j} was short of at {@code now} (measured at its own
     * interval), rounded up to the new limit's unit and clamped to its capacity. A stored descriptor that no
     * limit has (not positive) keeps the TAT as it is.
     */
    @Override
    void carry(long[] s, int stored, int j, long[] to, int i, Limit limit, long now) {
        int d = descriptor(stored, j);
        long tat = s[1 + WIDTH * j];
        long remainder = s[2 + WIDTH * j];
        long period = s[d];
        long permits = s[d + 1];
        if (period <= 0 || permits <= 0) {
            to[1 + WIDTH * i] = tat;
            to[2 + WIDTH * i] = remainder;
            return;
        }
        BigInteger g = BigInteger.valueOf(period).gcd(BigInteger.valueOf(permits));
        BigInteger oldNumerator = BigInteger.valueOf(period).divide(g);
        BigInteger oldDenominator = BigInteger.valueOf(permits).divide(g);
        long numerator = limit.intervalNumerator();
        long denominator = limit.intervalDenominator();
        long full = limit.capacity() * numerator;
        long debt = 0;
        if (tat >= now) {
            // The old debt in 1/oldDenominator us, as tokens: whole tokens and a fraction of oldNumerator.
            BigInteger oldDebt = BigInteger.valueOf(tat - now).multiply(oldDenominator)
                    .add(BigInteger.valueOf(remainder));
            BigInteger[] tokens = oldDebt.max(BigInteger.ZERO).divideAndRemainder(oldNumerator);
            if (tokens[0].compareTo(BigInteger.valueOf(limit.capacity())) >= 0) {
                debt = full;
            } else {
                // tokens x numerator, the fraction rounded up: a carried deficit never grants a permit more.
                BigInteger[] fraction = tokens[1].multiply(BigInteger.valueOf(numerator))
                        .divideAndRemainder(oldNumerator);
                long units = tokens[0].longValueExact() * numerator + fraction[0].longValueExact()
                        + (fraction[1].signum() > 0 ? 1 : 0);
                debt = Math.min(full, units);
            }
        }
        to[1 + WIDTH * i] = now + debt / denominator;
        to[2 + WIDTH * i] = debt % denominator;
    }

    private static long tat(long[] s, int i, long now) {
        return s != null && s[1 + WIDTH * i] >= now ? s[1 + WIDTH * i] : now;
    }

    private static long remainder(long[] s, int i, long now) {
        return s != null && s[1 + WIDTH * i] >= now ? s[2 + WIDTH * i] : 0;
    }

    /** (TAT - now) in units of 1/denominator microseconds: how far the bucket is from full. */
    private static long debt(long[] s, int i, Limit limit, long now) {
        long ahead = tat(s, i, now) - now;
        long denominator = limit.intervalDenominator();
        if (ahead > SATURATED / denominator) {
            return SATURATED;
        }
        return ahead * denominator + remainder(s, i, now);
    }

    @Override
    boolean allows(long[] s, int i, Limit limit, long permits, long now) {
        return debt(s, i, limit, now) <= (limit.capacity() - permits) * limit.intervalNumerator();
    }

    @Override
    long available(long[] s, int i, Limit limit, long now) {
        long numerator = limit.intervalNumerator();
        return Math.max(0, (limit.capacity() * numerator - debt(s, i, limit, now)) / numerator);
    }

    @Override
    long retryAfter(long[] s, int i, Limit limit, long permits, long now) {
        long excess = remainder(s, i, now) - (limit.capacity() - permits) * limit.intervalNumerator();
        return tat(s, i, now) + ceilDiv(excess, limit.intervalDenominator()) - now;
    }

    @Override
    long resetAfter(long[] s, int i, Limit limit, long now) {
        long tat = tat(s, i, now);
        long remainder = remainder(s, i, now);
        return tat - now + (remainder > 0 ? 1 : 0);
    }

    @Override
    long[] spend(long[] s, List<Limit> limits, long permits, long now) {
        long[] next = blank(limits);
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long denominator = limit.intervalDenominator();
            long fraction = remainder(s, i, now) + permits * limit.intervalNumerator();
            next[1 + WIDTH * i] = tat(s, i, now) + fraction / denominator;
            next[2 + WIDTH * i] = fraction % denominator;
        }
        return next;
    }

    /**
     * Moves the TAT by {@code delta} emission intervals, clamped to [now, now + capacity x I]. {@code delta} may be
     * up to the largest capacity of several limits, so {@code delta x numerator} can exceed a long for this
     * limit: a penalty of at least this limit's capacity empties the bucket, and a refund of at least the debt
     * fills it, without forming the product. A debt that is saturated (the clock stepped back a long way) is
     * reduced exactly, from the stored TAT.
     */
    @Override
    long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now) {
        long[] next = blank(limits);
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long numerator = limit.intervalNumerator();
            long denominator = limit.intervalDenominator();
            long full = limit.capacity() * numerator;
            long debt = debt(s, i, limit, now);
            long tat = tat(s, i, now);
            long remainder = remainder(s, i, now);
            if (delta > 0) {
                if (debt >= full) {
                    // Already empty (or emptier, after the clock stepped back): a penalty takes nothing more.
                    next[1 + WIDTH * i] = tat;
                    next[2 + WIDTH * i] = remainder;
                } else {
                    long adjusted = delta >= limit.capacity() ? full : Math.min(full, debt + delta * numerator);
                    next[1 + WIDTH * i] = now + adjusted / denominator;
                    next[2 + WIDTH * i] = adjusted % denominator;
                }
            } else if (debt >= SATURATED) {
                // The clock stepped back so far that the debt does not fit in a long: refund from the stored TAT.
                BigInteger den = BigInteger.valueOf(denominator);
                BigInteger units = BigInteger.valueOf(tat).multiply(den).add(BigInteger.valueOf(remainder))
                        .add(BigInteger.valueOf(delta).multiply(BigInteger.valueOf(numerator)));
                BigInteger[] split = units.max(BigInteger.valueOf(now).multiply(den)).divideAndRemainder(den);
                next[1 + WIDTH * i] = split[0].longValueExact();
                next[2 + WIDTH * i] = split[1].longValueExact();
            } else if (-delta >= ceilDiv(debt, numerator)) {
                next[1 + WIDTH * i] = now;
                next[2 + WIDTH * i] = 0;
            } else {
                // -delta x numerator < debt <= 2^62: no overflow, and the result stays after now.
                long units = remainder + delta * numerator;
                next[1 + WIDTH * i] = tat + Math.floorDiv(units, denominator);
                next[2 + WIDTH * i] = Math.floorMod(units, denominator);
            }
        }
        return next;
    }
}
