package dev.ratelimit.examples.spring;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code app.ratelimit.*} properties of {@code application.properties}. Immutable and thread-safe.
 *
 * @param store {@code memory} or {@code redis}
 * @param redis where Redis is, when the store is {@code redis}
 * @param perIp the limits of every client address, such as {@code 100/1m}
 * @param plans each plan's limits, such as {@code free -> [5/1m]}
 * @param planKeys the API keys on each plan
 */
@ConfigurationProperties("app.ratelimit")
public record RateLimitProperties(
        @DefaultValue("memory") String store,
        @DefaultValue Redis redis,
        @DefaultValue("100/1m") List<String> perIp,
        Map<String, List<String>> plans,
        Map<String, List<String>> planKeys) {

    /** Checks the store name, so a typo fails at start-up naming the value. */
    public RateLimitProperties {
        if (!store.equals("memory") && !store.equals("redis")) {
            throw new IllegalArgumentException("app.ratelimit.store must be memory or redis but was \"" + store
                    + "\"");
        }
    }

    /**
     * {@code app.ratelimit.redis.*}.
     *
     * @param host the server
     * @param port its port
     * @param timeout the longest wait for a pooled connection, a new connection and each answer (250 ms by default)
     * @param maxConnections the pool's size
     */
    public record Redis(@DefaultValue("localhost") String host, @DefaultValue("6379") int port,
            @DefaultValue("250ms") Duration timeout, @DefaultValue("32") int maxConnections) {

        /** Checks the timeout and the pool size, naming a bad value. */
        public Redis {
            if (timeout.toMillis() < 1) {
                throw new IllegalArgumentException("app.ratelimit.redis.timeout must be at least 1ms but was "
                        + timeout);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("app.ratelimit.redis.max-connections must be positive but was "
                        + maxConnections);
            }
        }
    }
}
