package dev.ratelimit.examples.webxml;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.servlet.StoreFactory;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.util.List;
import java.util.Properties;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * Gives a filter configured in web.xml a Redis store, so every instance of the app shares the limits. Named in
 * the filter's {@code storeFactory} init-param; reads {@code redis.host} and {@code redis.port} from the filter's
 * properties file, where a system property of the same name wins (one war, each environment's Redis).
 *
 * <p>Thread-safe; the filter calls it once.
 */
public final class RedisStoreFactory implements StoreFactory {

    @Override
    public RateLimitStore create(Properties configuration) {
        String host = setting("redis.host", configuration, "localhost");
        String port = setting("redis.port", configuration, "6379");
        UnifiedJedis jedis;
        try {
            jedis = new JedisPooled(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("redis.port must be a number but was \"" + port + "\"", e);
        }
        RedisStore store = RedisStore.builder(jedis).build();
        // The filter closes the store when the app stops; the connection pool is ours to close with it.
        return new RateLimitStore() {
            @Override
            public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
                return store.bind(namespace, algorithm, limits);
            }

            @Override
            public void close() {
                store.close();
                jedis.close();
            }
        };
    }

    private static String setting(String name, Properties configuration, String defaultValue) {
        return System.getProperty(name, configuration.getProperty(name, defaultValue)).trim();
    }
}
