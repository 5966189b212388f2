package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;
import java.time.Duration;

/** The contract suite on the Lettuce store (coalescing on, its default) against a real standalone redis-server. */
class LettuceStoreContractTest extends RateLimitStoreContract {

    @Override
    protected RateLimitStore store() {
        return TestRedis.lettuceStandalone();
    }

    static LettuceRedisStore.Builder options(LettuceRedisStore.Builder b, String prefix) {
        return b.keyPrefix(prefix).callerTime().expiryMargin(Duration.ofHours(1)).timeout(Duration.ofSeconds(5));
    }
}
