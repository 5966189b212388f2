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

    @Override
    long[] decode(Map<String, AttributeValue> item) {
        long[] s = new long[1 + 2 * limits.size()];
        boolean any = false;
        for (int i = 0; i < limits.size(); i++) {
            AttributeValue w = item.get(window(i));
            if (w == null) {
                s[1 + 2 * i] = Long.MIN_VALUE;
                continue;
            }
            any = true;
            long start = BadItem.number(window(i), w);
            s[1 + 2 * i] = start;
            s[2 + 2 * i] = count(item, count(i, start));
        }
        if (!any) {
            return null;
        }
        s[0] = ttlMicros(item);
        return s;
    }

    @Override
    void encode(long[] state, Map<String, AttributeValue> item) {
        for (int i = 0; i < limits.size(); i++) {
            long start = state[1 + 2 * i];
            item.put(window(i), AttributeValue.fromN(Long.toString(start)));
            if (state[2 + 2 * i] != 0) {
                item.put(count(i, start), AttributeValue.fromN(Long.toString(state[2 + 2 * i])));
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
            long stored = known != null && known.state() != null ? known.state()[1 + 2 * i] : Long.MIN_VALUE;
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
            fullAt = Math.max(fullAt, target + period);
        }
        return finishCountUpdate(e, known, live, removed, fullAt, token);
    }

    @Override
    List<String> staleNames(Map<String, AttributeValue> item, long[] state, List<String> removed) {
        return staleCounts(item, removed, name -> isLive(name, state));
    }

    private boolean isLive(String name, long[] state) {
        if (state == null) {
            return false;
        }
        for (int i = 0; i < limits.size(); i++) {
            if (state[1 + 2 * i] != Long.MIN_VALUE && name.equals(count(i, state[1 + 2 * i]))) {
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
