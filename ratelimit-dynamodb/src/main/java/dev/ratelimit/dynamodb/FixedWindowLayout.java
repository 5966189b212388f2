package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Fixed window in one conditional UpdateItem.
 *
 * <h2>Attributes, per limit {@code i}</h2>
 * <pre>
 *   w{i}         N  start of the newest window counted (microseconds since the epoch)
 *   c{i}_{start} N  permits spent in the window that starts at {start}
 * </pre>
 * The count's name carries its window, so {@code if_not_exists(c, 0) + k} starts every new window from zero
 * without knowing what was stored: this is what lets a decision skip the read. The update for limit {@code i}
 * at window {@code W} is
 * <pre>
 *   SET    w{i} = W, c{i}_W = if_not_exists(c{i}_W, 0) + k
 *   REMOVE c{i}_{W - period}                               (the previous window, if any)
 *   IF     (attribute_not_exists(w{i}) OR w{i} &lt;= W) AND (attribute_not_exists(c{i}_W) OR c{i}_W &lt;= limit - k)
 * </pre>
 * The first clause keeps a window that a clock ahead of ours already opened in force (the reference keeps the
 * newest window when the clock steps back); if the known item shows such a window, the update targets that
 * window instead ({@code IF w{i} = thatWindow AND ...}).
 *
 * <h2>Changed limits</h2>
 * {@code p{i}} (N) records the period limit {@code i} was written under. The update above also requires
 * {@code attribute_not_exists(w{i}) OR p{i} = period} for every limit and {@code attribute_not_exists(w{n})} (no
 * limit beyond these), so it applies only to an item written under these periods. Any other item (limits added,
 * removed, reordered or with another period, or an item of an earlier release, which has no {@code p{i}}) fails
 * it; the binding then decodes the item with each stored limit's own period, lets the reference transition match
 * and convert it ({@link dev.ratelimit.spi.StateTransition}), and writes the whole item under these limits, which
 * drops the removed limits' attributes. An item of an earlier release is read as written under these limits, in
 * order (its rule).
 *
 * <h2>Stale counts stay bounded</h2>
 * A key idle for more than one period leaves its last count under an old name that {@code c{i}_{W - period}}
 * does not match. Every write returns the old item ({@code ALL_OLD}), so the writer sees such names and removes
 * them in its next write to the key (they are cached with the key's state); if a returned item shows more than
 * {@link #MAX_STALE} of them (many instances taking turns on an idle-prone key), the binding removes them at
 * once with a separate request. The item's TTL drops the whole item once the key is idle past its windows.
 */
final class FixedWindowLayout extends ItemLayout {

    /** Stale counts tolerated before a separate clean-up request; the next write removes them otherwise. */
    static final int MAX_STALE = 16;

    FixedWindowLayout(List<Limit> limits) {
        super(limits);
    }

    static String window(int i) {
        return "w" + i;
    }

    static String count(int i, long windowStart) {
        return "c" + i + "_" + windowStart;
    }

    static String period(int i) {
        return "p" + i;
    }

    /** Per-limit fields and descriptor numbers of the reference state (see PerLimitTransition). */
    private static final int WIDTH = 2;

    /** The length of a reference state written under these limits. */
    private int inLayout() {
        return 1 + (WIDTH + 1) * limits.size();
    }

    /**
     * Null if the item was written under exactly these limits' periods, in order; otherwise an empty array, which
     * makes the binding write the whole item.
     */
    @Override
    long[] raw(Map<String, AttributeValue> item) {
        return writtenUnderThese(item, limits, 'w') ? null : new long[0];
    }

    /**
     * Whether the item holds exactly these limits' windows, each {@code w{i}} with {@code p{i}} equal to limit i's
     * period. An item with fewer limits (one was added) is not: the binding's view of it would not line up with
     * these limits, so it is written whole once.
     */
    static boolean writtenUnderThese(Map<String, AttributeValue> item, List<Limit> limits, char windowPrefix) {
        if (storedLimits(item, windowPrefix) != limits.size()) {
            return false;
        }
        for (int i = 0; i < limits.size(); i++) {
            if (item.containsKey(window(i))
                    && BadItem.number(period(i), item.get(period(i)), 0) != limits.get(i).periodMicros()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The period stored limit {@code j} was written under: its {@code p{j}}; for an item of an earlier release
     * (none), limit {@code j}'s of these limits, or 0 (matches no limit) beyond them.
     */
    static long storedPeriod(Map<String, AttributeValue> item, List<Limit> limits, int j) {
        long absent = j < limits.size() ? limits.get(j).periodMicros() : 0;
        long period = BadItem.number(period(j), item.get(period(j)), absent);
        if (period < 0) {
            throw new BadItem(period(j), "is not a period: " + period);
        }
        return period;
    }

    /** The reference state of the limits that wrote the item, each described by its own period. */
    @Override
    long[] decode(Map<String, AttributeValue> item) {
        int stored = storedLimits(item, 'w');
        if (stored == 0) {
            return null;
        }
        long[] s = new long[1 + (WIDTH + 1) * stored];
        for (int j = 0; j < stored; j++) {
            long period = storedPeriod(item, limits, j);
            s[1 + WIDTH * stored + j] = period;
            AttributeValue w = item.get(window(j));
            if (w == null) {
                s[1 + WIDTH * j] = Long.MIN_VALUE;
                continue;
            }
            long start = BadItem.number(window(j), w);
            s[1 + WIDTH * j] = start;
            s[2 + WIDTH * j] = count(item, count(j, start));
        }
        s[0] = ttlMicros(item);
        return s;
    }

    @Override
    void encode(long[] state, Map<String, AttributeValue> item) {
        for (int i = 0; i < limits.size(); i++) {
            long start = state[1 + WIDTH * i];
            item.put(window(i), AttributeValue.fromN(Long.toString(start)));
            item.put(period(i), AttributeValue.fromN(Long.toString(limits.get(i).periodMicros())));
            if (state[2 + WIDTH * i] != 0) {
                item.put(count(i, start), AttributeValue.fromN(Long.toString(state[2 + WIDTH * i])));
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
        List<String> live = new ArrayList<>(limits.size());
        List<String> removed = new ArrayList<>();
        long fullAt = Long.MIN_VALUE;
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long period = limit.periodMicros();
            long current = Math.floorDiv(now, period) * period;
            long stored = known != null && known.state() != null && known.state().length == inLayout()
                    ? known.state()[1 + WIDTH * i] : Long.MIN_VALUE;
            long target = Math.max(current, stored);
            String w = e.name(window(i));
            String c = e.name(count(i, target));
            live.add(count(i, target));
            String room = e.number(limit.permits() - permits);
            if (target == current) {
                String start = e.number(current);
                e.require("attribute_not_exists(" + w + ") OR " + w + " <= " + start);
                e.set(w + " = " + start);
                removed.add(count(i, current - period));
            } else {
                e.require(w + " = " + e.number(target));
            }
            e.require("attribute_not_exists(" + c + ") OR " + c + " <= " + room);
            e.set(c + " = if_not_exists(" + c + ", " + zero + ") + " + k);
            requirePeriod(e, i, period);
            fullAt = Math.max(fullAt, target + period);
        }
        e.require("attribute_not_exists(" + e.name(window(limits.size())) + ")");
        return finishCountUpdate(e, known, live, removed, fullAt, token);
    }

    /** Requires limit i's window, if any, to have been written under {@code period}, and records it. */
    static void requirePeriod(Expression e, int i, long period) {
        String p = e.name(period(i));
        String value = e.number(period);
        e.require("attribute_not_exists(" + e.name(window(i)) + ") OR " + p + " = " + value);
        e.set(p + " = " + value);
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
            if (state[1 + WIDTH * i] != Long.MIN_VALUE && name.equals(count(i, state[1 + WIDTH * i]))) {
                return true;
            }
        }
        return false;
    }

    static boolean isCount(String name) {
        if (name.length() < 4 || name.charAt(0) != 'c') {
            return false;
        }
        int underscore = name.indexOf('_');
        if (underscore < 2) {
            return false;
        }
        for (int j = 1; j < underscore; j++) {
            if (!Character.isDigit(name.charAt(j))) {
                return false;
            }
        }
        return true;
    }
}
