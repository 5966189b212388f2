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

    /**
     * The key's state in the reference form of this binding's limits ({@link dev.ratelimit.spi.StateTransition}),
     * or {@code null} if it holds none (looking through its own predecessor if it has one): what a successor
     * binding of the same namespace and algorithm, built with changed limits, takes over the first time it sees the
     * key. The array is never modified.
     */
    long[] referenceState(Object stored);

    /** Forgets the key here and in every predecessor, so that no successor takes it over again. */
    void reset(String key);
}
