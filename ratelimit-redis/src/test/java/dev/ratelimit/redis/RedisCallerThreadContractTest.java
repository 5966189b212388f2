package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;
import java.time.Duration;

/** The contract suite on the Jedis store in {@code callerThreadCalls()} mode (no threads, no coalescing). */
class RedisCallerThreadContractTest extends RateLimitStoreContract {

    private static RedisStore store;

    @Override
    protected RateLimitStore store() {
        synchronized (RedisCallerThreadContractTest.class) {
            if (store == null) {
                store = RedisStore.builder(TestRedis.standaloneClient())
                        .keyPrefix("caller-thread:")
                        .callerTime()
                        .expiryMargin(Duration.ofHours(1))
                        .callerThreadCalls()
                        .build();
            }
            return store;
        }
    }
}
