package dev.ratelimit.testkit;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import java.time.Duration;

/**
 * The in-memory store passes the contract suite.
 *
 * <p>The store sweeps only once (at the first decision, on the calling thread): the replay steps the clock back,
 * and a key swept at its full-allowance time and then seen again at an earlier time may legitimately answer
 * differently from a reference that kept its state (the reference says a store may drop state then). Like the
 * Redis and DynamoDB runs, whose keys do not expire during the suite, this compares decisions with nothing
 * forgotten; the in-memory store's own tests cover sweeping and a clock that steps back across a sweep.
 */
class InMemoryStoreContractTest extends RateLimitStoreContract {

    private final InMemoryStore store = InMemoryStore.builder()
            .sweepExecutor(Runnable::run)
            .sweepInterval(Duration.ofDays(200 * 365))
            .build();

    @Override
    protected RateLimitStore store() {
        return store;
    }
}
