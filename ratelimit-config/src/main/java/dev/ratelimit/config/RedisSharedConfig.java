package dev.ratelimit.config;

import dev.ratelimit.http.ConfigText;
import dev.ratelimit.internal.ThrottledLog;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The fleet's configuration in Redis: one hash at {@link Builder#key} (default {@code ratelimit:config}) with the
 * fields {@code text} (the properties text, UTF-8) and {@code version} (1, 2, 3, ...). A publish is one Lua script
 * that checks the version, writes both fields and {@code PUBLISH}es the new version on {@link Builder#channel}
 * (default: the key's name), so the write and the notification are atomic and a stale version is refused with the
 * current one.
 *
 * <p>As an engine's {@link dev.ratelimit.http.ConfigSource}, each instance subscribes to the channel on a dedicated
 * connection of its own thread (the client's pool lends one; with a {@code JedisCluster}, any node: Redis broadcasts
 * {@code PUBLISH} to the whole cluster) and reads the hash ({@code HMGET}) when told of a change, and also every
 * {@link Builder#pollInterval} (default 5 s) in case a notification was missed: while the subscription is down (it
 * reconnects every second), during a failover, or when {@link Builder#push push} is off. A change is in force on
 * every instance within a few milliseconds of the publish with push (measured in ratelimit-config's README), and
 * within the poll interval without it.
 *
 * <pre>{@code
 * UnifiedJedis jedis = new JedisPooled("redis.internal", 6379);
 * RateLimitEngine engine = RateLimitEngine.builder()
 *         .configSource(RedisSharedConfig.builder(jedis).build())
 *         .store(RedisStore.builder(jedis).build())
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe. An instance subscribes once: give each engine its own (a publisher may use any). {@link #close()}
 * stops the subscription; it does not close the client, which belongs to the caller.
 */
public final class RedisSharedConfig implements SharedConfig {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSharedConfig.class);
    private static final long RETRY_MILLIS = 1000;

    /** KEYS[1] hash; ARGV: expected version, text, channel. Returns {1, new version} or {0, current version}. */
    private static final String PUBLISH_SCRIPT = """
            local current = redis.call('HGET', KEYS[1], 'version')
            if current == false then current = 0 else current = tonumber(current) end
            if current == nil then
              return redis.error_reply('the field version of ' .. KEYS[1] .. ' is not a number')
            end
            if current ~= tonumber(ARGV[1]) then return {0, current} end
            redis.call('HSET', KEYS[1], 'text', ARGV[2], 'version', current + 1)
            redis.call('PUBLISH', ARGV[3], current + 1)
            return {1, current + 1}
            """;

    private final UnifiedJedis jedis;
    private final String key;
    private final String channel;
    private final Duration pollInterval;
    private final boolean push;
    private final String name;
    private final Object lock = new Object();
    private final ThrottledLog pushFailures = new ThrottledLog(LOG, 10_000_000_000L);
    private Thread subscriber;
    private JedisPubSub subscription;
    private boolean closed;

    private RedisSharedConfig(Builder b) {
        this.jedis = b.jedis;
        this.key = b.key;
        this.channel = b.channel != null ? b.channel : b.key;
        this.pollInterval = b.pollInterval;
        this.push = b.push;
        this.name = "redis key " + key;
    }

    /**
     * A builder over a Jedis client ({@code JedisPooled}, {@code JedisCluster}, {@code JedisSentineled}).
     *
     * @param jedis the client; the caller closes it
     * @return a new builder
     */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(jedis);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration pollInterval() {
        return pollInterval;
    }

    @Override
    public Optional<ConfigText> current() {
        List<String> fields;
        try {
            fields = jedis.hmget(key, "text", "version");
        } catch (JedisException e) {
            throw new ConfigStoreException("could not read " + name + ": " + e.getMessage(), e);
        }
        String text = fields.get(0);
        String version = fields.get(1);
        if (text == null && version == null) {
            return Optional.empty();
        }
        if (text == null || version == null) {
            throw new ConfigStoreException(name + " has " + (text == null ? "no field text" : "no field version")
                    + "; publish the configuration with ConfigPublisher or the command-line tool", null);
        }
        return Optional.of(new ConfigText(text, Long.toString(parseVersion(version)), name));
    }

    private long parseVersion(String version) {
        try {
            return Long.parseLong(version.trim());
        } catch (NumberFormatException e) {
            throw new ConfigStoreException("the field version of " + name + " is not a number: \"" + version + "\"",
                    e);
        }
    }

    @Override
    public ConfigText compareAndSet(long expectedVersion, String text) {
        Objects.requireNonNull(text, "text");
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be 0 or more but was " + expectedVersion);
        }
        Object reply;
        try {
            reply = jedis.eval(PUBLISH_SCRIPT, List.of(key), List.of(Long.toString(expectedVersion), text, channel));
        } catch (JedisException e) {
            throw new ConfigStoreException("could not publish to " + name + ": " + e.getMessage(), e);
        }
        if (!(reply instanceof List<?> list) || list.size() != 2 || !(list.get(0) instanceof Long ok)
                || !(list.get(1) instanceof Long version)) {
            throw new ConfigStoreException("unexpected reply from " + name + " to a publish: " + reply, null);
        }
        if (ok == 0) {
            throw new VersionConflictException(name, expectedVersion, version);
        }
        return new ConfigText(text, Long.toString(version), name);
    }

    /**
     * Subscribes to the channel on a thread of its own, unless {@link Builder#push push} is off.
     *
     * @param changed called on each notification, and after each (re)subscription
     * @return whether push is on
     * @throws IllegalStateException if this instance is closed or already subscribed
     */
    @Override
    public boolean subscribe(Runnable changed) {
        Objects.requireNonNull(changed, "changed");
        if (!push) {
            return false;
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            if (subscriber != null) {
                throw new IllegalStateException(name + " is already subscribed");
            }
            subscriber = new Thread(() -> listen(changed), "ratelimit-config push " + key);
            subscriber.setDaemon(true);
            subscriber.start();
        }
        return true;
    }

    /** Holds the subscription, and makes it again a second after it breaks, until closed. */
    private void listen(Runnable changed) {
        while (true) {
            JedisPubSub pubSub = new JedisPubSub() {
                @Override
                public void onSubscribe(String subscribed, int count) {
                    if (isClosed()) {
                        unsubscribe(); // closed while subscribing: close() could not unsubscribe yet
                        return;
                    }
                    changed.run(); // a change may have been missed while not subscribed
                }

                @Override
                public void onMessage(String from, String message) {
                    changed.run();
                }
            };
            synchronized (lock) {
                if (closed) {
                    return;
                }
                subscription = pubSub;
            }
            try {
                jedis.subscribe(pubSub, channel);
            } catch (RuntimeException e) {
                synchronized (lock) {
                    if (closed) {
                        return;
                    }
                }
                pushFailures.warn("Rate limit configuration: the subscription to " + channel + " for " + name
                        + " broke; polling every " + pollInterval + " until it is back", e);
            }
            synchronized (lock) {
                subscription = null;
                if (closed) {
                    return;
                }
                try {
                    lock.wait(RETRY_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (closed) {
                    return;
                }
            }
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Ends the subscription; the client stays open. */
    @Override
    public void close() {
        JedisPubSub pubSub;
        synchronized (lock) {
            closed = true;
            pubSub = subscription;
            lock.notifyAll();
        }
        if (pubSub != null) {
            try {
                pubSub.unsubscribe();
            } catch (RuntimeException e) {
                LOG.debug("Rate limit configuration: unsubscribing from {} failed", channel, e);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Builds a {@link RedisSharedConfig}. The last call of an option wins. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #key}</td><td>{@code ratelimit:config}</td></tr>
     *   <tr><td>{@link #channel}</td><td>the key</td></tr>
     *   <tr><td>{@link #pollInterval}</td><td>5 s</td></tr>
     *   <tr><td>{@link #push}</td><td>true</td></tr>
     * </table>
     */
    public static final class Builder {
        private final UnifiedJedis jedis;
        private String key = "ratelimit:config";
        private String channel;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private boolean push = true;

        private Builder(UnifiedJedis jedis) {
            this.jedis = Objects.requireNonNull(jedis, "jedis");
        }

        /**
         * The hash holding the configuration.
         *
         * @param key the Redis key
         * @return this builder
         * @throws IllegalArgumentException if the key is empty
         */
        public Builder key(String key) {
            this.key = Checks.notEmpty(key, "key");
            return this;
        }

        /**
         * The pub/sub channel a publish notifies; the key's name by default.
         *
         * @param channel the channel
         * @return this builder
         * @throws IllegalArgumentException if the channel is empty
         */
        public Builder channel(String channel) {
            this.channel = Checks.notEmpty(channel, "channel");
            return this;
        }

        /**
         * How often an engine reads the key whatever the notifications: the bound on how late a change arrives when a
         * notification is lost.
         *
         * @param pollInterval at least 1 ms
         * @return this builder
         * @throws IllegalArgumentException if the interval is under 1 ms
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = Checks.pollInterval(pollInterval);
            return this;
        }

        /**
         * Whether an engine subscribes to the channel (true by default); false relies on polling alone, for a Redis
         * where pub/sub is not available (some proxies).
         *
         * @param push false to poll only
         * @return this builder
         */
        public Builder push(boolean push) {
            this.push = push;
            return this;
        }

        /**
         * The source and publish target.
         *
         * @return a new instance
         */
        public RedisSharedConfig build() {
            return new RedisSharedConfig(this);
        }
    }
}
