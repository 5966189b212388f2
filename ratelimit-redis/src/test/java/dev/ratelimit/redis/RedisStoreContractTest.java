package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;
import dev.ratelimit.testkit.StoreBounds;
import java.time.Duration;

/**
 * The contract suite against a real standalone redis-server, on the store's defaults (its own threads, coalescing
 * on). The store uses the limiter's (fake) time; keys
 * outlive their full-allowance time by an hour, because the fake clock and the real clock Redis expires keys by
 * do not move together.
 */
class RedisStoreContractTest extends RateLimitStoreContract {

    private static RedisStore store;

    @Override
    protected RateLimitStore store() {
        synchronized (RedisStoreContractTest.class) {
            if (store == null) {
                store = RedisStore.builder(TestRedis.standaloneClient())
                        .callerTime()
                        .expiryMargin(Duration.ofHours(1))
                        .build();
            }
            return store;
        }
    }

    /** The bounds the store documents (LuaBounds): Lua numbers are doubles, exact below 2^53. */
    @Override
    protected StoreBounds storeBounds() {
        return StoreBounds.core().withMaxSlidingWindowProduct((1L << 53) - 1).withTokenBucket(1L << 53, (1L << 52) - 1);
    }
}
