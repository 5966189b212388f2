package dev.ratelimit.testkit;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;

/** The in-memory store passes the contract suite. */
class InMemoryStoreContractTest extends RateLimitStoreContract {

    private final InMemoryStore store = InMemoryStore.builder().sweepExecutor(Runnable::run).build();

    @Override
    protected RateLimitStore store() {
        return store;
    }
}
