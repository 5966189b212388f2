package dev.ratelimit.servlet;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Stands in for a store outage: every call throws, as an unreachable Redis would. Counts the calls. */
final class ThrowingStore implements RateLimitStore {

    final AtomicInteger calls = new AtomicInteger();

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        return new StoreBinding() {
            @Override
            public Decision tryAcquire(String key, long permits, long nowMicros) {
                throw fail();
            }

            @Override
            public Decision peek(String key, long nowMicros) {
                throw fail();
            }

            @Override
            public Decision adjust(String key, long delta, long nowMicros) {
                throw fail();
            }

            @Override
            public void reset(String key) {
                throw fail();
            }
        };
    }

    private StoreException fail() {
        calls.incrementAndGet();
        return new StoreException("store unreachable (test outage)");
    }
}
