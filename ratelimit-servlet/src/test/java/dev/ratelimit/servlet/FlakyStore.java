package dev.ratelimit.servlet;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.util.List;
import java.util.function.Supplier;

/**
 * An in-memory store whose acquire or adjust (refund) calls can be switched to throw any exception, for failures
 * that are not a tidy {@code StoreException}: a bug in a store, a driver's own runtime exception.
 */
final class FlakyStore implements RateLimitStore {

    private final InMemoryStore delegate = InMemoryStore.create();
    volatile Supplier<RuntimeException> acquireFailure;
    volatile Supplier<RuntimeException> adjustFailure;

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        StoreBinding binding = delegate.bind(namespace, algorithm, limits);
        return new StoreBinding() {
            @Override
            public Decision tryAcquire(String key, long permits, long nowMicros) {
                Supplier<RuntimeException> failure = acquireFailure;
                if (failure != null) {
                    throw failure.get();
                }
                return binding.tryAcquire(key, permits, nowMicros);
            }

            @Override
            public Decision peek(String key, long nowMicros) {
                return binding.peek(key, nowMicros);
            }

            @Override
            public Decision adjust(String key, long delta, long nowMicros) {
                Supplier<RuntimeException> failure = adjustFailure;
                if (failure != null) {
                    throw failure.get();
                }
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
