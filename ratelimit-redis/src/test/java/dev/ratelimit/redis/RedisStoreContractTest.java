package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;
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
}
