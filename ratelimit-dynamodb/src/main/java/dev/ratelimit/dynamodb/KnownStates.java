package dev.ratelimit.dynamodb;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free memory of the last item seen per partition key: direct-mapped (each key has one slot,
 * chosen by its hash; a colliding key simply replaces it), so memory is fixed at {@code size} entries whatever the
 * number of keys. It only guides which form of a conditional write to send or which version to expect; every
 * write's condition checks it, so a stale or evicted entry costs at most an extra request, never a wrong
 * decision. Thread-safe.
 */
final class KnownStates {

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;

    /** @param size a power of two, or 0 to remember nothing */
    KnownStates(int size) {
        this.slots = size == 0 ? null : new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    Known get(String pk) {
        if (slots == null) {
            return null;
        }
        Entry entry = slots.get(index(pk));
        return entry != null && entry.pk.equals(pk) ? entry.known : null;
    }

    void put(String pk, Known known) {
        if (slots != null) {
            slots.set(index(pk), new Entry(pk, known.cached()));
        }
    }

    void remove(String pk) {
        if (slots != null) {
            int index = index(pk);
            Entry entry = slots.get(index);
            if (entry != null && entry.pk.equals(pk)) {
                slots.compareAndSet(index, entry, null);
            }
        }
    }

    private int index(String pk) {
        int h = pk.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    private record Entry(String pk, Known known) {
    }
}
