package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
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
 * <p>State per limit: {@code [tatMicros, remainder]}. A fresh key starts with a full bucket. If the clock steps
 * back, the stored TAT stays in force, so the bucket looks emptier, never fuller.
 */
final class TokenBucket extends AbstractTransition {

    static final TokenBucket INSTANCE = new TokenBucket();
    private static final int WIDTH = 2;
    /** Debt beyond which arithmetic would overflow; only reachable when the clock jumps back a long way. */
    private static final long SATURATED = 1L << 62;

    @Override
    public Algorithm algorithm() {
        return Algorithm.TOKEN_BUCKET;
    }

    @Override
    public void validate(List<Limit> limits) {
        for (Limit limit : limits) {
            checkProduct(limit, limit.capacity(), limit.intervalNumerator() * 2,
                    "2 x capacity x reduced emission interval", "TOKEN_BUCKET");
        }
    }

    @Override
    boolean fits(long[] s, List<Limit> limits) {
        return s.length == 1 + WIDTH * limits.size();
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
        long[] next = new long[1 + WIDTH * limits.size()];
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long denominator = limit.intervalDenominator();
            long fraction = remainder(s, i, now) + permits * limit.intervalNumerator();
            next[1 + WIDTH * i] = tat(s, i, now) + fraction / denominator;
            next[2 + WIDTH * i] = fraction % denominator;
        }
        return next;
    }

    @Override
    long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now) {
        long[] next = new long[1 + WIDTH * limits.size()];
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long denominator = limit.intervalDenominator();
            long full = limit.capacity() * limit.intervalNumerator();
            long debt = debt(s, i, limit, now);
            long change = delta * limit.intervalNumerator();
            long adjusted = delta > 0 ? Math.max(debt, Math.min(full, debt + change)) : Math.max(0, debt + change);
            next[1 + WIDTH * i] = now + adjusted / denominator;
            next[2 + WIDTH * i] = adjusted % denominator;
        }
        return next;
    }
}
