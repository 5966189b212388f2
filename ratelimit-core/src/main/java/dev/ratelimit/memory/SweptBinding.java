package dev.ratelimit.memory;

/** A binding of an {@link InMemoryStore} whose idle keys the store sweeps. Thread-safe. */
interface SweptBinding {

    /** Removes every key that is back at full allowance at {@code nowMicros}, holding no global lock. */
    void sweep(long nowMicros);

    /** Entries in the binding's map now, dead ones not yet unlinked included; for tests and diagnostics. */
    int mappedKeys();
}
