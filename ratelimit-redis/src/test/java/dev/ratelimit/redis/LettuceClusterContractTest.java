package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;

/** The contract suite on the Lettuce store (coalescing on) against a real three-master Redis Cluster. */
class LettuceClusterContractTest extends RateLimitStoreContract {

    @Override
    protected RateLimitStore store() {
        return TestRedis.lettuceCluster();
    }
}
