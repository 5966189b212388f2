package dev.ratelimit.memory;

/**
 * One key's entry in an {@link InMemoryStore}: held in its binding's map and in one slot of the store's
 * {@link ResidentTable}, which bounds the keys and picks which to evict.
 *
 * <p>An entry dies exactly once, when a compare-and-set replaces its state with its binding's dead marker; the
 * thread that wins that compare-and-set (a sweep, a reset, an eviction, or an insert that lost its race) gives
 * the slot back or hands it on, and removes the entry from its binding's map. Thread-safe.
 */
abstract class Resident {

    /** Estimated heap bytes of an entry apart from its key and state: map node, table share, entry, slot. */
    static final long ENTRY_BYTES = 80;

    /** The key as held: a verbatim {@code String} or a {@link StoredKey} digest. */
    final Object key;

    /** The slot it occupies; written before the entry is published in the table, never changed after. */
    int slot = -1;

    Resident(Object key) {
        this.key = key;
    }

    /**
     * What forgetting this entry at {@code now} would cost, as {@link ResidentTable#cost} encodes it: 0 for an
     * entry back at full allowance, larger the more of its allowance the key has spent; -1 if it is dead.
     */
    abstract long cost(long now);

    /**
     * Kills the entry if its state still costs at most {@code maxCost} at {@code now}, and removes it from its
     * binding's map. Returns the estimated bytes it held, or -1 if it was not killed (another thread killed it or
     * its state changed meanwhile). The caller owns the slot afterwards.
     */
    abstract long evict(long now, long maxCost);

    /** Estimated heap bytes this entry holds now, its key included. */
    abstract long bytes();
}
