package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Sliding window (the two-window weighted counter) in one conditional UpdateItem.
 *
 * <h2>Attributes, per limit {@code i}</h2>
 * <pre>
 *   w{i}         N  start of the newest window counted (microseconds since the epoch)
 *   c{i}_{start} N  permits spent in the window that starts at {start}; the newest two are live
 * </pre>
 * As in {@link FixedWindowLayout}, a count's name carries its window, so a new window starts from zero with
 * {@code if_not_exists} and no read. The reference state {@code [start, previous, current]} is
 * {@code [w, c_{w - period}, c_w]}.
 *
 * <h2>Why one update suffices</h2>
 * The reference admits {@code k} permits at window {@code W} iff
 * {@code previous x (period - elapsed) + (current + k) x period <= limit x period}. A condition expression cannot
 * multiply, but {@code previous} is the count of a window that has ended, so it no longer changes: the binding
 * pins it to the value it last saw and moves the arithmetic into a constant bound on the current count,
 * <pre>
 *   SET    w = W, c_W = if_not_exists(c_W, 0) + k
 *   REMOVE c_{W - 2 period}                                  (no longer live)
 *   IF     (attribute_not_exists(w) OR w &lt;= W)
 *          AND c_{W - period} = p                            (attribute_not_exists when p = 0)
 *          AND (attribute_not_exists(c_W) OR c_W &lt;= limit - k - ceil(p x (period - elapsed) / period))
 * </pre>
 * The condition holds exactly when the item's previous count is {@code p} and the reference allows the request,
 * so a wrong {@code p} (a key this instance has not seen, whose previous window had traffic) fails the condition
 * and its {@code ALL_OLD} gives the right one for a single retry, or shows a denial. Counts are written only by
 * adding permits or by a whole-state write, so an existing count is never zero.
 *
 * <h2>Changed limits</h2>
 * As in {@link FixedWindowLayout}: {@code p{i}} records limit {@code i}'s period, the update requires the item to
 * have been written under these periods (and no limit beyond them), and any other item is decoded with each
 * stored limit's own period, converted by the reference transition and written whole.
 *
 * <p>The TTL written is exact: after a spend the key is back at full allowance at {@code W + 2 x period}.
 */
final class SlidingWindowLayout extends ItemLayout {

    private static final int WIDTH = 3;

    SlidingWindowLayout(List<Limit> limits) {
        super(limits);
    }

    /** The length of a reference state written under these limits (fields, then each limit's period). */
    private int inLayout() {
        return 1 + (WIDTH + 1) * limits.size();
    }

    @Override
    long[] raw(Map<String, AttributeValue> item) {
        return FixedWindowLayout.writtenUnderThese(item, limits, 'w') ? null : new long[0];
    }

    /** The reference state of the limits that wrote the item, each read with its own period. */
    @Override
    long[] decode(Map<String, AttributeValue> item) {
        int stored = storedLimits(item, 'w');
        if (stored == 0) {
            return null;
        }
        long[] s = new long[1 + (WIDTH + 1) * stored];
        for (int j = 0; j < stored; j++) {
            long period = FixedWindowLayout.storedPeriod(item, limits, j);
            s[1 + WIDTH * stored + j] = period;
            AttributeValue w = item.get(FixedWindowLayout.window(j));
            if (w == null) {
                s[1 + WIDTH * j] = Long.MIN_VALUE;
                continue;
            }
            long start = BadItem.number(FixedWindowLayout.window(j), w);
            s[1 + WIDTH * j] = start;
            s[2 + WIDTH * j] = period == 0 ? 0 : count(item, FixedWindowLayout.count(j, start - period));
            s[3 + WIDTH * j] = count(item, FixedWindowLayout.count(j, start));
        }
        s[0] = ttlMicros(item);
        return s;
    }

    @Override
    void encode(long[] state, Map<String, AttributeValue> item) {
        for (int i = 0; i < limits.size(); i++) {
            long start = state[1 + WIDTH * i];
            item.put(FixedWindowLayout.window(i), AttributeValue.fromN(Long.toString(start)));
            item.put(FixedWindowLayout.period(i), AttributeValue.fromN(Long.toString(limits.get(i).periodMicros())));
            if (state[2 + WIDTH * i] != 0) {
                item.put(FixedWindowLayout.count(i, start - limits.get(i).periodMicros()),
                        AttributeValue.fromN(Long.toString(state[2 + WIDTH * i])));
            }
            if (state[3 + WIDTH * i] != 0) {
                item.put(FixedWindowLayout.count(i, start),
                        AttributeValue.fromN(Long.toString(state[3 + WIDTH * i])));
            }
        }
    }

    @Override
    boolean hasFastPath() {
        return true;
    }

    @Override
    FastUpdate fastUpdate(Known known, long permits, long now, String token) {
        Expression e = new Expression();
        String k = e.number(permits);
        String zero = e.number(0);
        List<String> live = new ArrayList<>(2 * limits.size());
        List<String> removed = new ArrayList<>();
        long fullAt = Long.MIN_VALUE;
        long[] s = known == null ? null : known.state();
        boolean fits = s != null && s.length == inLayout();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long period = limit.periodMicros();
            long current = Math.floorDiv(now, period) * period;
            long stored = fits ? s[1 + WIDTH * i] : Long.MIN_VALUE;
            long target = Math.max(current, stored);
            // The previous window's count as last seen; 0 when unknown (the condition checks it either way).
            long previous = !fits ? 0 : stored == target ? s[2 + WIDTH * i]
                    : stored == target - period ? s[3 + WIDTH * i] : 0;
            long elapsed = Math.max(0, now - target);
            // previous x (period - elapsed) <= limit x period < 2^62 (validated), so no overflow.
            long maxCurrent = limit.permits() - permits + Math.floorDiv(-previous * (period - elapsed), period);

            String w = e.name(FixedWindowLayout.window(i));
            String previousName = e.name(FixedWindowLayout.count(i, target - period));
            String c = e.name(FixedWindowLayout.count(i, target));
            live.add(FixedWindowLayout.count(i, target));
            live.add(FixedWindowLayout.count(i, target - period));
            if (target == current) {
                String start = e.number(current);
                e.require("attribute_not_exists(" + w + ") OR " + w + " <= " + start);
                e.set(w + " = " + start);
                removed.add(FixedWindowLayout.count(i, current - 2 * period));
            } else {
                e.require(w + " = " + e.number(target));
            }
            if (previous == 0) {
                e.require("attribute_not_exists(" + previousName + ") OR " + previousName + " = " + zero);
            } else {
                e.require(previousName + " = " + e.number(previous));
            }
            String bound = e.number(maxCurrent);
            e.require(maxCurrent >= 0 ? "attribute_not_exists(" + c + ") OR " + c + " <= " + bound
                    : c + " <= " + bound);
            e.set(c + " = if_not_exists(" + c + ", " + zero + ") + " + k);
            FixedWindowLayout.requirePeriod(e, i, period);
            fullAt = Math.max(fullAt, target + 2 * period);
        }
        e.require("attribute_not_exists(" + e.name(FixedWindowLayout.window(limits.size())) + ")");
        return finishCountUpdate(e, known, live, removed, fullAt, token);
    }

    @Override
    List<String> staleNames(Map<String, AttributeValue> item, long[] state, List<String> removed) {
        return staleCounts(item, removed, name -> isLive(name, state));
    }

    private boolean isLive(String name, long[] state) {
        if (state == null || state.length != inLayout()) {
            return false;
        }
        for (int i = 0; i < limits.size(); i++) {
            long start = state[1 + WIDTH * i];
            if (start != Long.MIN_VALUE && (name.equals(FixedWindowLayout.count(i, start))
                    || name.equals(FixedWindowLayout.count(i, start - limits.get(i).periodMicros())))) {
                return true;
            }
        }
        return false;
    }
}
