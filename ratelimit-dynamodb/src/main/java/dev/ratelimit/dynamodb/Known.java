package dev.ratelimit.dynamodb;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What a binding knows about one item: its reference state, its version token and any stale attributes to
 * clean up. {@code fresh} says whether it came from the server during the current decision (a consistent read,
 * or a condition failure's {@code ALL_OLD}); a cached value is a guess that a conditional write will check.
 * Immutable; {@code state} is never modified.
 *
 * @param state the reference state, or {@code null} for no state
 * @param version the item's version token; {@code null} if there is no item, {@code ""} if the item has none
 * @param stale attribute names that hold nothing live and should be removed by the next write
 * @param fresh whether this was read from the server during this decision
 */
record Known(long[] state, String version, List<String> stale, boolean fresh) {

    static final Known ABSENT = new Known(null, null, List.of(), true);
    /** The guess, not yet checked, that there is no item. */
    static final Known GUESS_ABSENT = new Known(null, null, List.of(), false);

    /** Known from an item the server just returned; an empty or null map means no item. */
    static Known fromItem(Map<String, AttributeValue> item, ItemLayout layout) {
        if (item == null || item.isEmpty()) {
            return ABSENT;
        }
        long[] state = layout.decode(item);
        AttributeValue v = item.get(ItemLayout.VERSION);
        return new Known(state, v == null || v.n() == null ? "" : v.n(), layout.staleNames(item, state, List.of()),
                true);
    }

    Known cached() {
        return fresh ? new Known(state, version, stale, false) : this;
    }

    boolean sameVersion(Known other) {
        return version == null ? other.version == null : version.equals(other.version);
    }
}
