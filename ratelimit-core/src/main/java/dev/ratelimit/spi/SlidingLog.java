package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * Sliding log: remember when every admitted permit was spent, and count those in the last period.
 *
 * <pre>
 *   window = (now - period, now]
 *   allowed iff (permits spent at times inside the window) + permits &lt;= limit
 *   wait    = until enough of the oldest entries leave the window: entry time + period - now
 * </pre>
 *
 * <p>Exact, at the cost of memory proportional to the limit: use it for small limits where exactness matters
 * ("5 uploads per 24 hours"), and {@link SlidingWindow} for large ones. Limits are capped at
 * {@value #MAX_PERMITS} permits.
 *
 * <p>State: {@code [expiresAt, time0, count0, time1, count1, ...]}, oldest first, one entry per microsecond in
 * which permits were spent. All limits of a key share the one log, which keeps entries for the longest period;
 * each limit counts the entries inside its own period. If the clock steps back, new entries are stamped with the
 * newest stored time, so they expire no earlier than they should.
 *
 * <p>Changed limits (see {@link StateTransition}): the log carries over whatever changed, with no conversion. Each
 * new limit counts every logged permit inside its own period: a lowered limit denies until enough of them leave
 * its window (all of them count, however many more than the new limit), a raised one grants the difference, an
 * added limit counts the permits already logged in its period, a removed one stops counting. A longer period
 * counts what is still logged: entries older than the longest old period may already have been dropped (a spend
 * drops them, and the whole state expires at the old limits' full-allowance time), so it counts no more than the
 * old limits kept.
 */
final class SlidingLog extends AbstractTransition {

    static final SlidingLog INSTANCE = new SlidingLog();
    static final long MAX_PERMITS = 100_000;

    @Override
    public Algorithm algorithm() {
        return Algorithm.SLIDING_LOG;
    }

    @Override
    public void validate(List<Limit> limits) {
        for (Limit limit : limits) {
            if (limit.permits() > MAX_PERMITS) {
                throw new IllegalArgumentException("limit " + limit + " is too large for SLIDING_LOG, which keeps"
                        + " one entry per admitted request: at most " + MAX_PERMITS
                        + " permits (use SLIDING_WINDOW for large limits)");
            }
        }
    }

    /** The log is not per limit: every limit reads it as it is. */
    @Override
    long[] align(long[] state, List<Limit> limits, long now) {
        return state != null && state.length % 2 == 1 ? state : null;
    }

    private static int entries(long[] s) {
        return s == null ? 0 : (s.length - 1) / 2;
    }

    /** Permits spent inside (now - period, now]. */
    private static long count(long[] s, long period, long now) {
        long sum = 0;
        for (int j = entries(s) - 1; j >= 0 && s[1 + 2 * j] > now - period; j--) {
            sum += s[2 + 2 * j];
        }
        return sum;
    }

    @Override
    boolean allows(long[] s, int i, Limit limit, long permits, long now) {
        return permits <= limit.permits() - count(s, limit.periodMicros(), now);
    }

    @Override
    long available(long[] s, int i, Limit limit, long now) {
        return Math.max(0, limit.permits() - count(s, limit.periodMicros(), now));
    }

    @Override
    long retryAfter(long[] s, int i, Limit limit, long permits, long now) {
        long period = limit.periodMicros();
        long mustLeave = count(s, period, now) + permits - limit.permits();
        int n = entries(s);
        int j = 0;
        while (s[1 + 2 * j] <= now - period) {
            j++;
        }
        long left = 0;
        for (; j < n; j++) {
            left += s[2 + 2 * j];
            if (left >= mustLeave) {
                return s[1 + 2 * j] + period - now;
            }
        }
        throw new AssertionError("a denied request always has enough entries in its window");
    }

    @Override
    long resetAfter(long[] s, int i, Limit limit, long now) {
        int n = entries(s);
        if (n == 0) {
            return 0;
        }
        long newest = s[1 + 2 * (n - 1)];
        return newest > now - limit.periodMicros() ? newest + limit.periodMicros() - now : 0;
    }

    @Override
    long[] spend(long[] s, List<Limit> limits, long permits, long now) {
        long longest = 0;
        for (Limit limit : limits) {
            longest = Math.max(longest, limit.periodMicros());
        }
        int n = entries(s);
        int first = 0;
        while (first < n && s[1 + 2 * first] <= now - longest) {
            first++;
        }
        long newest = n > 0 ? s[1 + 2 * (n - 1)] : Long.MIN_VALUE;
        long stamp = Math.max(now, newest);
        boolean merge = permits == 0 || n > first && newest == stamp;
        int kept = n - first;
        long[] next = new long[1 + 2 * (merge ? kept : kept + 1)];
        if (kept > 0) {
            System.arraycopy(s, 1 + 2 * first, next, 1, 2 * kept);
        }
        if (merge) {
            if (permits != 0) {
                next[next.length - 1] += permits;
            }
        } else {
            next[next.length - 2] = stamp;
            next[next.length - 1] = permits;
        }
        return next;
    }

    @Override
    long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now) {
        if (delta > 0) {
            long room = delta;
            for (Limit limit : limits) {
                room = Math.min(room, limit.permits() - count(s, limit.periodMicros(), now));
            }
            if (room > 0) {
                return spend(s, limits, room, now);
            }
            return spend(s, limits, 0, now);
        }
        long[] pruned = spend(s, limits, 0, now);
        int n = entries(pruned);
        long refund = -delta;
        int keep = n;
        while (keep > 0 && refund > 0) {
            long count = pruned[2 * keep];
            if (count <= refund) {
                refund -= count;
                keep--;
            } else {
                pruned[2 * keep] = count - refund;
                refund = 0;
            }
        }
        return java.util.Arrays.copyOf(pruned, 1 + 2 * keep);
    }
}
