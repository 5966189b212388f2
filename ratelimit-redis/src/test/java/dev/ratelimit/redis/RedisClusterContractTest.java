package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;
import dev.ratelimit.testkit.StoreBounds;
import java.time.Duration;

/** The contract suite against a real three-master Redis Cluster (see {@link RedisStoreContractTest}). */
class RedisClusterContractTest extends RateLimitStoreContract {

    private static RedisStore store;

    @Override
    protected RateLimitStore store() {
        synchronized (RedisClusterContractTest.class) {
            if (store == null) {
                store = RedisStore.builder(TestRedis.clusterClient())
                        .keyPrefix("cluster-contract:")
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
