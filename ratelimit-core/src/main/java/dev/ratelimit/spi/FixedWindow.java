package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * Fixed window: count permits per window of one period, windows aligned to the Unix epoch.
 *
 * <pre>
 *   |--- window k ---|--- window k+1 ---|
 *   start = floor(now / period) * period
 *   allowed iff count + permits &lt;= limit; the count starts from 0 in each new window
 * </pre>
 *
 * <p>The worst case is twice the limit in one period straddling a
 * window edge ({@code limit} at the end of one window, {@code limit} at the start of the next); that is the price
 * of two numbers of state and one comparison. A denied request may retry at the next window start, exactly.
 * If the clock steps back into an earlier window, the stored window and its count stay in force.
 *
 * <p>State per limit: {@code [windowStart, count]}, and after all limits' fields each limit's period (see
 * {@link PerLimitTransition}).
 *
 * <p>Changed limits (see {@link StateTransition}; a limit continues the stored limit of its period, or the one
 * left over in order): with the same period, the permits spent in the current window stay spent and count
 * against the new limit. A lowered limit at or below the count denies until the window ends ({@code remaining} 0);
 * a raised one grants the difference. With another period, the stored window and its count stay in force if the
 * window starts no earlier than the new period's current window, and it then lasts one new period from its start
 * (so a longer period keeps the count: 7 spent of {@code 10/10s} in the first seconds of a minute count against
 * {@code 10/1m} until that minute ends); a stored window that starts earlier holds permits of an earlier window of
 * the new period, which no longer count. An added limit starts with an empty current window.
 */
final class FixedWindow extends PerLimitTransition {

    static final FixedWindow INSTANCE = new FixedWindow();
    private static final int WIDTH = 2;

    @Override
    public Algorithm algorithm() {
        return Algorithm.FIXED_WINDOW;
    }

    @Override
    public void validate(List<Limit> limits) {
        // count + permits <= 2 * 2^53 and window arithmetic fit in a long for every valid Limit.
    }

    @Override
    int width() {
        return WIDTH;
    }

    /** The window and its count carry as they are; {@link #windowStart} reads them with the new period. */
    @Override
    void carry(long[] s, int stored, int j, long[] to, int i, Limit limit, long now) {
        to[1 + WIDTH * i] = s[1 + WIDTH * j];
        to[2 + WIDTH * i] = s[2 + WIDTH * j];
    }

    private static long windowStart(long[] s, int i, long period, long now) {
        long current = Math.floorDiv(now, period) * period;
        return s != null && s[1 + WIDTH * i] >= current ? s[1 + WIDTH * i] : current;
    }

    private static long count(long[] s, int i, long windowStart) {
        return s != null && s[1 + WIDTH * i] == windowStart ? s[2 + WIDTH * i] : 0;
    }

    @Override
    boolean allows(long[] s, int i, Limit limit, long permits, long now) {
        long start = windowStart(s, i, limit.periodMicros(), now);
        return permits <= limit.permits() - count(s, i, start);
    }

    @Override
    long available(long[] s, int i, Limit limit, long now) {
        long start = windowStart(s, i, limit.periodMicros(), now);
        return Math.max(0, limit.permits() - count(s, i, start));
    }

    @Override
    long retryAfter(long[] s, int i, Limit limit, long permits, long now) {
        return windowStart(s, i, limit.periodMicros(), now) + limit.periodMicros() - now;
    }

    @Override
    long resetAfter(long[] s, int i, Limit limit, long now) {
        long start = windowStart(s, i, limit.periodMicros(), now);
        return count(s, i, start) == 0 ? 0 : start + limit.periodMicros() - now;
    }

    @Override
    long[] spend(long[] s, List<Limit> limits, long permits, long now) {
        long[] next = blank(limits);
        for (int i = 0; i < limits.size(); i++) {
            long start = windowStart(s, i, limits.get(i).periodMicros(), now);
            next[1 + WIDTH * i] = start;
            next[2 + WIDTH * i] = count(s, i, start) + permits;
        }
        return next;
    }

    @Override
    long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now) {
        long[] next = blank(limits);
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long start = windowStart(s, i, limit.periodMicros(), now);
            long count = count(s, i, start);
            next[1 + WIDTH * i] = start;
            next[2 + WIDTH * i] = delta > 0
                    ? Math.max(count, Math.min(limit.permits(), count + delta)) : Math.max(0, count + delta);
        }
        return next;
    }
}
