package dev.ratelimit.examples.webxml;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.servlet.StoreFactory;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * Gives a filter configured in web.xml a Redis store, so every instance of the app shares the limits. Named in
 * the filter's {@code storeFactory} init-param; reads these keys from the filter's properties file, where a system
 * property of the same name wins (one war, each environment's Redis):
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code redis.host}</td><td>{@code localhost}</td><td>the server</td></tr>
 *   <tr><td>{@code redis.port}</td><td>{@code 6379}</td><td>its port</td></tr>
 *   <tr><td>{@code redis.timeout}</td><td>{@code 250ms}</td><td>a duration as the rate-limit keys write one ({@code 250ms}, {@code 1s}): the longest a request waits
 *       for a pooled connection, for a new connection, and for a command's answer; a Redis that stalls costs a
 *       request about three times this at most, then the filter's failure policy decides</td></tr>
 *   <tr><td>{@code redis.maxConnections}</td><td>{@code 32}</td><td>the pool's size</td></tr>
 * </table>
 *
 * <p>Jedis's defaults would wait 2 s per command and without limit for a free pooled connection: during a Redis
 * stall, 40 concurrent requests on 8 connections waited up to 10 s each.
 *
 * <p>Thread-safe; the filter calls it once.
 */
public final class RedisStoreFactory implements StoreFactory {

    @Override
    public RateLimitStore create(Properties configuration) {
        String host = setting("redis.host", configuration, "localhost");
        String port = setting("redis.port", configuration, "6379");
        Duration timeout = duration("redis.timeout", setting("redis.timeout", configuration, "250ms"));
        int maxConnections = positive("redis.maxConnections", setting("redis.maxConnections", configuration, "32"));
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        JedisClientConfig client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .build();
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(Duration.ofMillis(millis));
        UnifiedJedis jedis = new JedisPooled(new HostAndPort(host, positive("redis.port", port)), client, pool);
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

    /** A duration in the syntax of a limit's period, as the file's {@code ratelimit.reload} is written. */
    private static Duration duration(String name, String value) {
        if (!value.isEmpty() && value.chars().noneMatch(c -> c == '/' || Character.isWhitespace(c))) {
            try {
                Duration d = Limit.parse("1/" + value).period();
                if (d.toMillis() >= 1) {
                    return d;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException(name + "=" + value + ": expected a duration of at least 1 ms, such as"
                + " 250ms or 1s");
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + "=" + value + ": expected a positive whole number");
    }

    private static String setting(String name, Properties configuration, String defaultValue) {
        return System.getProperty(name, configuration.getProperty(name, defaultValue)).trim();
    }
}
