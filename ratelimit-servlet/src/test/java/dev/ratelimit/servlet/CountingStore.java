package dev.ratelimit.servlet;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory store that counts acquire calls, standing in for a remote store's round trips. */
final class CountingStore implements RateLimitStore {

    private final InMemoryStore delegate = InMemoryStore.create();
    final AtomicInteger acquires = new AtomicInteger();

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        StoreBinding binding = delegate.bind(namespace, algorithm, limits);
        return new StoreBinding() {
            @Override
            public Decision tryAcquire(String key, long permits, long nowMicros) {
                acquires.incrementAndGet();
                return binding.tryAcquire(key, permits, nowMicros);
            }

            @Override
            public Decision peek(String key, long nowMicros) {
                return binding.peek(key, nowMicros);
            }

            @Override
            public Decision adjust(String key, long delta, long nowMicros) {
                return binding.adjust(key, delta, nowMicros);
            }

            @Override
            public void reset(String key) {
                binding.reset(key);
            }
        };
    }

    @Override
    public void close() {
        delegate.close();
    }
}
