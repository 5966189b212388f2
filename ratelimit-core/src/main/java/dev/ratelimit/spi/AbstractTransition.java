package dev.ratelimit.spi;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * Combines per-limit answers into one decision, the same way for every algorithm (see {@link StateTransition}).
 * Subclasses answer for limit {@code i} given the state, which may be {@code null} for a fresh key.
 */
abstract class AbstractTransition implements StateTransition {

    /** Whether {@code s} has the shape these limits need; otherwise it is treated as missing. */
    abstract boolean fits(long[] s, List<Limit> limits);

    abstract boolean allows(long[] s, int i, Limit limit, long permits, long now);

    /** Permits limit {@code i} could grant now; never negative. */
    abstract long available(long[] s, int i, Limit limit, long now);

    /** Called only when {@link #allows} is false: the exact least wait, always positive. */
    abstract long retryAfter(long[] s, int i, Limit limit, long permits, long now);

    /** Time until limit {@code i} is back at full allowance; zero if it is. */
    abstract long resetAfter(long[] s, int i, Limit limit, long now);

    /** A new state with {@code permits} spent on every limit; element 0 is set by the caller. */
    abstract long[] spend(long[] s, List<Limit> limits, long permits, long now);

    /** A new state with {@code delta} added to what each limit has spent, clamped to [0, full]. */
    abstract long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now);

    @Override
    public final Result adjust(long[] state, List<Limit> limits, long delta, long now) {
        if (delta == 0 || delta > Limit.MAX_PERMITS || delta < -Limit.MAX_PERMITS) {
            throw new IllegalArgumentException(
                    "delta must be non-zero and at most " + Limit.MAX_PERMITS + " in magnitude but was " + delta);
        }
        long[] s = state != null && fits(state, limits) ? state : null;
        long[] next = adjustSpent(s, limits, delta, now);
        long fullAfter = 0;
        for (int i = 0; i < limits.size(); i++) {
            fullAfter = Math.max(fullAfter, resetAfter(next, i, limits.get(i), now));
        }
        next[0] = now + fullAfter;
        return new Result(next, apply(next, limits, 0, now).decision());
    }

    static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    @Override
    public final Result apply(long[] state, List<Limit> limits, long permits, long now) {
        long[] s = state != null && fits(state, limits) ? state : null;
        int n = limits.size();
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            if (permits > limit.capacity()) {
                return new Result(state, Decision.exceedsCapacity(
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
            return new Result(state, Decision.denied(limit, remaining, resetAfter(s, denier, limit, now),
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

    /** Rejects limits whose {@code a x b} (the largest product the algorithm forms) exceeds 2^62. */
    static void checkProduct(Limit limit, long a, long b, String what, String algorithm) {
        if (Math.multiplyHigh(a, b) != 0 || a * b > (1L << 62)) {
            throw new IllegalArgumentException("limit " + limit + " is too large for " + algorithm + ": " + what
                    + " must be at most 2^62 (use a shorter period or fewer permits)");
        }
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
