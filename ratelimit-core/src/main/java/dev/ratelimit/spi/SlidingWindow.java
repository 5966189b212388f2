package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * Sliding window: the two-window weighted counter.
 *
 * <pre>
 *        previous window          current window
 *   |----------------------|-----------x----------|
 *                          start      now
 *             overlap = (period - (now - start)) / period
 *   estimate = previous * overlap + current
 *   allowed iff estimate + permits &lt;= limit
 * </pre>
 *
 * <p>Windows are aligned to the Unix epoch as in {@link FixedWindow}. State per limit:
 * {@code [windowStart, previous, current]}, and after all limits' fields each limit's period (see
 * {@link PerLimitTransition}). The comparison is done exactly in integers, scaled by the period:
 * {@code previous * (period - elapsed) + (current + permits) * period <= limit * period}, which is why
 * {@code limit x period} (in microseconds) must stay below 2<sup>62</sup>.
 *
 * <p>Accuracy: the estimate assumes the previous window's permits were spread evenly. Within one aligned window
 * the count never exceeds the limit; over an arbitrary sliding period the admitted count can exceed the limit
 * when the previous window's traffic was bunched at its end (at most by the part of the previous window's count
 * that the weighting discounts), and can fall short when it was bunched at its start. In exchange the state is
 * three numbers, whatever the limit.
 *
 * <p>A denied request's wait is exact: it is the first microsecond at which the weighted estimate leaves room.
 *
 * <p>Changed limits (see {@link StateTransition}; a limit continues the stored limit of its period, or the one
 * left over in order): with the same period, both windows' counts carry and are weighed as usual against the new
 * limit, so a lowered limit below the estimate denies until the estimate falls under it, and a raised one grants
 * the difference. With another period, the stored window is kept with both counts if it starts no earlier than
 * the new period's current window starts; if it starts exactly one new period before the current window, its
 * current count becomes the previous window's count; otherwise its counts are of ended windows and no longer
 * count. An added limit starts with both windows empty. A carried count may exceed the new limit's permits; the
 * weighted estimate saturates rather than overflow.
 */
final class SlidingWindow extends PerLimitTransition {

    static final SlidingWindow INSTANCE = new SlidingWindow();
    private static final int WIDTH = 3;

    @Override
    public Algorithm algorithm() {
        return Algorithm.SLIDING_WINDOW;
    }

    @Override
    public void validate(List<Limit> limits) {
        for (Limit limit : limits) {
            checkProduct(limit, limit.permits(), limit.periodMicros(), "permits x period in microseconds",
                    "SLIDING_WINDOW");
        }
    }

    @Override
    int width() {
        return WIDTH;
    }

    /** The window and both counts carry as they are; {@link #start} reads them with the new period. */
    @Override
    void carry(long[] s, int stored, int j, long[] to, int i, Limit limit, long now) {
        to[1 + WIDTH * i] = s[1 + WIDTH * j];
        to[2 + WIDTH * i] = s[2 + WIDTH * j];
        to[3 + WIDTH * i] = s[3 + WIDTH * j];
    }

    /** The window start, previous and current counts in force at {@code now}. */
    private static long start(long[] s, int i, long period, long now) {
        long current = Math.floorDiv(now, period) * period;
        return s != null && s[1 + WIDTH * i] > current ? s[1 + WIDTH * i] : current;
    }

    private static long previous(long[] s, int i, long period, long start) {
        if (s == null) {
            return 0;
        }
        long stored = s[1 + WIDTH * i];
        if (stored == start) {
            return s[2 + WIDTH * i];
        }
        return stored == start - period ? s[3 + WIDTH * i] : 0;
    }

    private static long current(long[] s, int i, long start) {
        return s != null && s[1 + WIDTH * i] == start ? s[3 + WIDTH * i] : 0;
    }

    /**
     * previous * (period - elapsed): the previous window's weight, scaled by the period. Saturates at
     * {@code Long.MAX_VALUE}: a count carried over from a larger limit can exceed this limit's permits, and any
     * weight past 2^62 denies like an infinite one.
     */
    private static long weightedPrevious(long previous, long period, long start, long now) {
        long elapsed = Math.max(0, now - start);
        return product(previous, period - elapsed);
    }

    @Override
    boolean allows(long[] s, int i, Limit limit, long permits, long now) {
        long period = limit.periodMicros();
        long start = start(s, i, period, now);
        long room = limit.permits() - current(s, i, start) - permits;
        return room >= 0 && weightedPrevious(previous(s, i, period, start), period, start, now) <= room * period;
    }

    @Override
    long available(long[] s, int i, Limit limit, long now) {
        long period = limit.periodMicros();
        long start = start(s, i, period, now);
        long used = ceilDiv(weightedPrevious(previous(s, i, period, start), period, start, now), period);
        return Math.max(0, limit.permits() - current(s, i, start) - used);
    }

    @Override
    long retryAfter(long[] s, int i, Limit limit, long permits, long now) {
        long period = limit.periodMicros();
        long start = start(s, i, period, now);
        long previous = previous(s, i, period, start);
        long current = current(s, i, start);
        long room = limit.permits() - current - permits;
        if (room >= 0) {
            // Still in this window: need previous * (period - elapsed) <= room * period.
            long elapsed = period - room * period / previous;
            return start + elapsed - now;
        }
        // Not in this window; in the next one the current count becomes the previous.
        long nextRoom = limit.permits() - permits;
        long elapsed = current == 0 ? 0 : Math.max(0, period - nextRoom * period / current);
        return start + period + elapsed - now;
    }

    @Override
    long resetAfter(long[] s, int i, Limit limit, long now) {
        long period = limit.periodMicros();
        long start = start(s, i, period, now);
        if (current(s, i, start) > 0) {
            return start + 2 * period - now;
        }
        return previous(s, i, period, start) > 0 ? start + period - now : 0;
    }

    @Override
    long[] spend(long[] s, List<Limit> limits, long permits, long now) {
        long[] next = blank(limits);
        for (int i = 0; i < limits.size(); i++) {
            long period = limits.get(i).periodMicros();
            long start = start(s, i, period, now);
            next[1 + WIDTH * i] = start;
            next[2 + WIDTH * i] = previous(s, i, period, start);
            next[3 + WIDTH * i] = current(s, i, start) + permits;
        }
        return next;
    }

    @Override
    long[] adjustSpent(long[] s, List<Limit> limits, long delta, long now) {
        long[] next = blank(limits);
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long period = limit.periodMicros();
            long start = start(s, i, period, now);
            long current = current(s, i, start);
            next[1 + WIDTH * i] = start;
            next[2 + WIDTH * i] = previous(s, i, period, start);
            next[3 + WIDTH * i] = delta > 0
                    ? Math.max(current, Math.min(limit.permits(), current + delta)) : Math.max(0, current + delta);
        }
        return next;
    }
}
