package dev.ratelimit.memory;

/** A binding of an {@link InMemoryStore} whose idle keys the store sweeps and evicts. Thread-safe. */
interface SweptBinding {

    /** Removes every key that is back at full allowance at {@code nowMicros}, holding no global lock. */
    void sweep(long nowMicros);

    /** Entries in the binding's map now, dead ones not yet unlinked included. */
    int mappedKeys();

    /**
     * Evicts the cheapest key of a sample ({@link KeyBudget#cheapest}) and returns its estimated bytes, or -1 if
     * none was evicted (none found, or it changed meanwhile). The caller gives the room back.
     */
    long evictOne(long nowMicros);
}
