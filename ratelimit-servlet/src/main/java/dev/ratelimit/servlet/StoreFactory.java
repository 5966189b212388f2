package dev.ratelimit.servlet;

import dev.ratelimit.spi.RateLimitStore;
import java.util.Properties;

/**
 * Makes the store of a filter configured in web.xml, so a Redis or DynamoDB store can be plugged in without code
 * that builds the filter. Name the implementing class in the filter's {@code storeFactory} init-param; it needs a
 * public no-argument constructor.
 *
 * <pre>{@code
 * public final class RedisStoreFactory implements StoreFactory {
 *     public RateLimitStore create(Properties configuration) {
 *         UnifiedJedis jedis = new JedisPooled(URI.create(configuration.getProperty("redis.uri")));
 *         return RedisStore.builder(jedis).build();
 *     }
 * }
 * }</pre>
 *
 * <p>The filter calls {@link #create} once, in {@code init}, and closes the store in {@code destroy}. A changed
 * configuration file does not re-create the store.
 *
 * <p>Thread safety: the filter calls {@link #create} once, from the thread that initialises it, so an
 * implementation need not be thread-safe; the store it returns must be.
 */
@FunctionalInterface
public interface StoreFactory {

    /**
     * The store.
     *
     * @param configuration every property of the filter's configuration file, including keys outside
     *     {@code ratelimit.} that the factory may define for itself
     * @return the store, which the filter closes in {@code destroy()}; never null
     */
    RateLimitStore create(Properties configuration);
}
