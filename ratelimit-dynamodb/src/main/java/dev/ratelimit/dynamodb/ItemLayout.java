package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How one algorithm's reference state ({@link dev.ratelimit.spi.StateTransition}) is laid out in an item, and,
 * for algorithms that have one, the single conditional update that makes a decision without reading first.
 *
 * <p>Every item has the partition key {@value #PK}, the TTL attribute {@value #TTL} (epoch seconds, rounded up,
 * at which the key is back at full allowance) and the version token {@value #VERSION} (a random number replaced
 * by every write, so a conditional write on it detects any change, including a delete and re-create). Subclasses
 * add the algorithm's attributes. Implementations are immutable and thread-safe.
 */
abstract class ItemLayout {

    static final String PK = "pk";
    static final String TTL = "ttl";
    static final String VERSION = "v";

    final List<Limit> limits;

    ItemLayout(List<Limit> limits) {
        this.limits = limits;
    }

    /** The reference state held by {@code item} (not empty), or {@code null} if it holds none. */
    abstract long[] decode(Map<String, AttributeValue> item);

    /** Adds the attributes that hold {@code state} to {@code item}. */
    abstract void encode(long[] state, Map<String, AttributeValue> item);

    /** A layout's own view of the item beyond the reference state, kept with it in {@link Known}; null here. */
    long[] raw(Map<String, AttributeValue> item) {
        return null;
    }

    /** The raw view ({@link #raw}) of the item a whole-item write of {@code state} leaves; null here. */
    long[] rawAfterPut(long[] state) {
        return null;
    }

    /** The TTL attribute in microseconds, 0 if absent. */
    static long ttlMicros(Map<String, AttributeValue> item) {
        long seconds = BadItem.number(TTL, item.get(TTL), 0);
        if (seconds < 0 || seconds > Long.MAX_VALUE / 1_000_000L) {
            throw new BadItem(TTL, "is out of range: " + seconds);
        }
        return seconds * 1_000_000L;
    }

    /** A window count: absent is 0; present, a Number that is not negative. */
    static long count(Map<String, AttributeValue> item, String name) {
        long count = BadItem.number(name, item.get(name), 0);
        if (count < 0) {
            throw new BadItem(name, "is negative: " + count);
        }
        return count;
    }

    /**
     * How many limits wrote the item's per-limit attributes named {@code prefix} and a limit index ({@code w0},
     * {@code w1}, ... or {@code t0}, ...): one more than the highest index present, 0 if none is.
     */
    static int storedLimits(Map<String, AttributeValue> item, char prefix) {
        int stored = 0;
        for (String name : item.keySet()) {
            if (name.length() < 2 || name.length() > 6 || name.charAt(0) != prefix) {
                continue;
            }
            int index = 0;
            for (int k = 1; k < name.length() && index >= 0; k++) {
                char c = name.charAt(k);
                index = c >= '0' && c <= '9' ? index * 10 + (c - '0') : -1;
            }
            if (index >= 0) {
                stored = Math.max(stored, index + 1);
            }
        }
        return stored;
    }

    /** Whether {@link #fastUpdate} is available. */
    abstract boolean hasFastPath();

    /**
     * Builds the one conditional update that spends {@code permits} at {@code now}. Its condition holds exactly
     * when the reference transition, applied to the item as it is when DynamoDB evaluates the condition, allows
     * the request, and the update then writes exactly the reference's new state. {@code known} (possibly stale,
     * possibly {@code null}) only guides the choice among equivalent forms; a wrong guess fails the condition.
     *
     * @return the expression, and the attribute names it removes
     */
    FastUpdate fastUpdate(Known known, long permits, long now, String token) {
        throw new UnsupportedOperationException("no single-update path for this algorithm");
    }

    /**
     * Attributes of {@code item} that hold nothing live once the item holds {@code state} and {@code removed}
     * are gone.
     */
    List<String> staleNames(Map<String, AttributeValue> item, long[] state, List<String> removed) {
        return List.of();
    }

    /** The TTL attribute value for a state that is back at full allowance at {@code fullAtMicros}. */
    static long ttlSeconds(long fullAtMicros) {
        return -Math.floorDiv(-fullAtMicros, 1_000_000L);
    }

    /**
     * Ends a window-count update (fixed and sliding window): removes the stale counts this instance saw on the item
     * last time, unless live or already removed, at most {@code 2 x FixedWindowLayout.MAX_STALE} per write; then
     * sets the TTL to {@code fullAt} and the version to {@code token}.
     */
    static FastUpdate finishCountUpdate(Expression e, Known known, List<String> live, List<String> removed,
            long fullAt, String token) {
        if (known != null) {
            for (String name : known.stale()) {
                if (!live.contains(name) && !removed.contains(name)
                        && removed.size() < 2 * FixedWindowLayout.MAX_STALE) {
                    removed.add(name);
                }
            }
        }
        for (String name : removed) {
            e.remove(name);
        }
        e.set(e.name(TTL) + " = " + e.number(ttlSeconds(fullAt)));
        e.set(e.name(VERSION) + " = " + e.number(token));
        return new FastUpdate(e, removed);
    }

    /** The window-count attributes of {@code item} that are neither in {@code removed} nor {@code live}. */
    static List<String> staleCounts(Map<String, AttributeValue> item, List<String> removed, Predicate<String> live) {
        List<String> stale = null;
        for (String name : item.keySet()) {
            if (FixedWindowLayout.isCount(name) && !removed.contains(name) && !live.test(name)) {
                if (stale == null) {
                    stale = new ArrayList<>();
                }
                stale.add(name);
            }
        }
        return stale == null ? List.of() : stale;
    }

    /** A conditional update and the attributes it removes. */
    record FastUpdate(Expression expression, List<String> removed) {
    }
}
