package dev.ratelimit.testkit;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps a store and counts the calls a limiter makes to it, standing in for a remote store's round trips: for
 * example to show that a local deny cache keeps a flood away from Redis, or that a code path never reaches the
 * store at all. Decisions come from the wrapped store unchanged.
 *
 * <pre>{@code
 * CountingStore store = CountingStore.wrapping(InMemoryStore.create());
 * RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("10/s")).store(store).build();
 * ...
 * assertThat(store.acquires()).isEqualTo(10);
 * }</pre>
 *
 * <p>Thread-safe: the counters are {@link LongAdder}s, so counting adds no contention of its own.
 * {@link #close()} closes the wrapped store.
 */
public final class CountingStore implements RateLimitStore {

    private final RateLimitStore delegate;
    private final LongAdder acquires = new LongAdder();
    private final LongAdder peeks = new LongAdder();
    private final LongAdder adjusts = new LongAdder();
    private final LongAdder resets = new LongAdder();

    private CountingStore(RateLimitStore delegate) {
        this.delegate = delegate;
    }

    /**
     * A store that counts the calls made to {@code delegate}.
     *
     * @param delegate the store that makes the decisions
     * @return a new counting store, all counts zero
     * @throws NullPointerException if {@code delegate} is null
     */
    public static CountingStore wrapping(RateLimitStore delegate) {
        return new CountingStore(Objects.requireNonNull(delegate, "delegate"));
    }

    /**
     * Calls of {@code tryAcquire}, synchronous and asynchronous, that reached the wrapped store.
     *
     * @return the count so far, across every limiter bound to this store
     */
    public long acquires() {
        return acquires.sum();
    }

    /**
     * Calls of {@code peek} that reached the wrapped store.
     *
     * @return the count so far, across every limiter bound to this store
     */
    public long peeks() {
        return peeks.sum();
    }

    /**
     * Calls of {@code adjust} (penalties and refunds) that reached the wrapped store.
     *
     * @return the count so far, across every limiter bound to this store
     */
    public long adjusts() {
        return adjusts.sum();
    }

    /**
     * Calls of {@code reset} that reached the wrapped store.
     *
     * @return the count so far, across every limiter bound to this store
     */
    public long resets() {
        return resets.sum();
    }

    /**
     * Every call that reached the wrapped store: the sum of the four counts.
     *
     * @return the total so far (the four counts are read one after the other, so under concurrent calls the
     *     total is as of some moment during this call)
     */
    public long calls() {
        return acquires() + peeks() + adjusts() + resets();
    }

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        StoreBinding inner = delegate.bind(namespace, algorithm, limits);
        return new StoreBinding() {
            @Override
            public Decision tryAcquire(String key, long permits, long nowMicros) {
                acquires.increment();
                return inner.tryAcquire(key, permits, nowMicros);
            }

            @Override
            public CompletionStage<Decision> tryAcquireAsync(String key, long permits, long nowMicros) {
                acquires.increment();
                return inner.tryAcquireAsync(key, permits, nowMicros);
            }

            @Override
            public Decision peek(String key, long nowMicros) {
                peeks.increment();
                return inner.peek(key, nowMicros);
            }

            @Override
            public Decision adjust(String key, long delta, long nowMicros) {
                adjusts.increment();
                return inner.adjust(key, delta, nowMicros);
            }

            @Override
            public void reset(String key) {
                resets.increment();
                inner.reset(key);
            }
        };
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "CountingStore{" + delegate + ", acquires=" + acquires() + ", peeks=" + peeks() + ", adjusts="
                + adjusts() + ", resets=" + resets() + '}';
    }
}
