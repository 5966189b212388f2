package dev.ratelimit.dynamodb;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What a binding knows about one item: its reference state, its version token and any stale attributes to
 * clean up. {@code fresh} says whether it came from the server during the current decision (a consistent read,
 * or a condition failure's {@code ALL_OLD}); a cached value is a guess that a conditional write will check.
 * Immutable; {@code state} and {@code raw} are never modified.
 *
 * @param state the reference state, or {@code null} for no state
 * @param version the item's version token; {@code null} if there is no item, {@code ""} if the item has none
 * @param stale attribute names that hold nothing live and should be removed by the next write
 * @param fresh whether this was read from the server during this decision
 * @param raw a layout's own view of the item beyond the reference state (the sliding log's slots), or null
 */
record Known(long[] state, String version, List<String> stale, boolean fresh, long[] raw) {

    static final Known ABSENT = new Known(null, null, List.of(), true, null);
    /** The guess, not yet checked, that there is no item. */
    static final Known GUESS_ABSENT = new Known(null, null, List.of(), false, null);

    Known(long[] state, String version, List<String> stale, boolean fresh) {
        this(state, version, stale, fresh, null);
    }

    /**
     * Known from an item the server just returned; an empty or null map means no item.
     *
     * @throws BadItem if the item does not have the shape the layout writes
     */
    static Known fromItem(Map<String, AttributeValue> item, ItemLayout layout) {
        if (item == null || item.isEmpty()) {
            return ABSENT;
        }
        long[] state = layout.decode(item);
        AttributeValue v = item.get(ItemLayout.VERSION);
        if (v != null && v.n() == null) {
            throw new BadItem(ItemLayout.VERSION, "is not a Number: " + BadItem.describe(v));
        }
        return new Known(state, v == null ? "" : v.n(), layout.staleNames(item, state, List.of()), true,
                layout.raw(item));
    }

    Known cached() {
        return fresh ? new Known(state, version, stale, false, raw) : this;
    }

    boolean sameVersion(Known other) {
        return version == null ? other.version == null : version.equals(other.version);
    }
}
