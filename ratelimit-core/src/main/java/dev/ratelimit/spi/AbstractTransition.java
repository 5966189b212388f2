package dev.ratelimit.spi;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.internal.Check;
import java.util.List;

/**
 * Combines per-limit answers into one decision, the same way for every algorithm (see {@link StateTransition}).
 * Subclasses answer for limit {@code i} given the state, which may be {@code null} for a fresh key.
 */
abstract class AbstractTransition implements StateTransition {

    /**
     * The stored state as these limits read it at {@code now}: {@code state} itself if it was written under
     * exactly these limits, a new state converted by the algorithm's carry-over rule (element 0 not yet set) if it
     * was written under other limits, or {@code null} if there is none or it has a shape no release writes.
     */
    abstract long[] align(long[] state, List<Limit> limits, long now);

    abstract boolean allows(long[] s, int i, Limit limit, long permits, long now);

    /** Permits limit {@code i} could grant now; never negative. */
    abstract long available(long[] s, int i, Limit limit, long now);

    /** Called only when {@link #allows} is false: the exact least wait, always positive. */
    abstract long retryAfter(long[] s, int i, Limit limit, long permits, long now);

    /** Time until limit {@code i} is back at full allowance; zero if it is. */
    abstract long resetAfter(long[] s, int i, Limit limit, long now);

    /** A new state with {@code permits} spent on every limit; element 0 is set by the caller. */
    abstract long[] spend(long[] s, List<Limit> limits, long permits, long now);

    /**
     * A new state with {@code delta} added to what each limit has spent, clamped to [0, full]. {@code delta} is
     * already clamped to the largest capacity of the limits, so its magnitude is at most {@link Limit#MAX_PERMITS};
     * implementations must still not overflow when multiplying it by a limit's numbers.
     */
    abstract long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now);

    @Override
    public final Result adjust(long[] state, List<Limit> limits, long delta, long now) {
        Check.nonZero("delta", delta);
        long largest = largestCapacity(limits);
        long clamped = clamp(delta, -largest, largest);
        long[] s = align(state, limits, now);
        long[] next = adjustSpent(s, limits, clamped, now);
        long fullAfter = 0;
        for (int i = 0; i < limits.size(); i++) {
            fullAfter = Math.max(fullAfter, resetAfter(next, i, limits.get(i), now));
        }
        next[0] = now + fullAfter;
        return new Result(next, apply(next, limits, 0, now).decision());
    }

    /**
     * The largest {@link Limit#capacity()} of {@code limits}: a refund or penalty of more permits than this moves
     * every limit as far as one of exactly this many (see {@link StateTransition#adjust}).
     */
    static long largestCapacity(List<Limit> limits) {
        long largest = 1;
        for (Limit limit : limits) {
            largest = Math.max(largest, limit.capacity());
        }
        return largest;
    }

    static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    @Override
    public final Result apply(long[] state, List<Limit> limits, long permits, long now) {
        long[] s = align(state, limits, now);
        int n = limits.size();
        // A request stores a state converted from other limits even if it spends nothing, so that the next one
        // continues from it (a token bucket's conversion depends on the time it is made); a peek writes nothing.
        long[] kept = s == state || s == null || permits == 0 ? state : stamped(s, limits, now);
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            if (permits > limit.capacity()) {
                return new Result(kept, Decision.exceedsCapacity(
                        limit, available(s, i, limit, now), resetAfter(s, i, limit, now)));
            }
        }
        int denier = -1;
        long longestWait = 0;
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            if (!allows(s, i, limit, permits, now)) {
                long wait = retryAfter(s, i, limit, permits, now);
                if (wait > longestWait) {
                    longestWait = wait;
                    denier = i;
                }
            }
        }
        if (denier >= 0) {
            long remaining = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                remaining = Math.min(remaining, available(s, i, limits.get(i), now));
            }
            Limit limit = limits.get(denier);
            return new Result(kept, Decision.denied(limit, remaining, resetAfter(s, denier, limit, now),
                    longestWait));
        }
        long[] next = permits == 0 ? s : spend(s, limits, permits, now);
        int tightest = 0;
        long remaining = Long.MAX_VALUE;
        long fullAfter = 0;
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            long available = available(next, i, limit, now);
            if (available < remaining) {
                remaining = available;
                tightest = i;
            }
            fullAfter = Math.max(fullAfter, resetAfter(next, i, limit, now));
        }
        if (permits != 0) {
            next[0] = now + fullAfter;
        }
        Limit reported = limits.get(tightest);
        return new Result(permits == 0 ? state : next,
                Decision.allowed(reported, remaining, resetAfter(next, tightest, reported, now)));
    }

    /** {@code s} with element 0 set to the time at which every limit is back at full allowance. */
    private long[] stamped(long[] s, List<Limit> limits, long now) {
        long fullAfter = 0;
        for (int i = 0; i < limits.size(); i++) {
            fullAfter = Math.max(fullAfter, resetAfter(s, i, limits.get(i), now));
        }
        s[0] = now + fullAfter;
        return s;
    }

    /** The bound every product an algorithm forms from a limit's numbers must stay within: 2^62. */
    static final long PRODUCT_BOUND = 1L << 62;

    /**
     * Rejects limits whose {@code a x b} (the largest product the algorithm forms) exceeds 2^62. The product is
     * computed with overflow checks, so products of 2^63 and more (which would wrap in a {@code long}) are
     * rejected too.
     */
    static void checkProduct(Limit limit, long a, long b, String what, String algorithm) {
        if (product(a, b) > PRODUCT_BOUND) {
            throw new IllegalArgumentException("limit " + limit + " is too large for " + algorithm + ": " + what
                    + " is " + describe(a, b) + " but must be at most 2^62 (use a shorter period or fewer permits)");
        }
    }

    /** {@code a x b} for non-negative operands, or {@link Long#MAX_VALUE} if it does not fit in a long. */
    static long product(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    private static String describe(long a, long b) {
        return java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b)).toString();
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
