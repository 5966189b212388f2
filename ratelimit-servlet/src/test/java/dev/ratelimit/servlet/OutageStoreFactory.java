package dev.ratelimit.servlet;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.FailingStore;
import java.util.Properties;

/**
 * A {@link StoreFactory} for the web.xml tests: a store whose every call fails, as an unreachable Redis would. It
 * checks that it is handed the whole configuration file, including keys outside {@code ratelimit.}.
 */
public final class OutageStoreFactory implements StoreFactory {

    @Override
    public RateLimitStore create(Properties configuration) {
        if (!"unreachable.example:6379".equals(configuration.getProperty("redis.address"))) {
            throw new IllegalArgumentException("redis.address was not passed to the store factory: " + configuration);
        }
        return FailingStore.create();
    }
}
