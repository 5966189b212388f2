package dev.ratelimit.spring;

import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.ConfigText;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fleet's shared configuration in Redis read through the application's Lettuce {@link RedisClient}: the same hash
 * as {@code dev.ratelimit.config.RedisSharedConfig} (fields {@code text} and {@code version} at the key, a publish
 * announced on the channel named as the key), so a fleet may mix Jedis and Lettuce instances and publish with
 * {@code ConfigPublisher} or the {@code ratelimit-config} tool. It only reads: it is never a publish target.
 *
 * <p>It opens two connections of its own on first use, one for reads ({@code HMGET}, at most {@link #TIMEOUT} each)
 * and one subscribed to the channel; Lettuce reconnects and subscribes again by itself, and every (re)subscription
 * asks the engine to read, as a change may have been missed meanwhile. {@link #close()} closes both; the client stays
 * the application's.
 *
 * <p>Thread-safe: reads come from the engine's watcher thread, notifications from Lettuce's threads.
 */
final class LettuceSharedConfig implements ConfigSource {

    /** How long one read may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final RedisClient client;
    private final String key;
    private final Duration pollInterval;
    private final boolean push;
    private final String name;
    private StatefulRedisConnection<String, String> reads;
    private StatefulRedisPubSubConnection<String, String> pushes;
    private boolean closed;

    LettuceSharedConfig(RedisClient client, String key, Duration pollInterval, boolean push) {
        this.client = Objects.requireNonNull(client, "client");
        this.key = Objects.requireNonNull(key, "key");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.push = push;
        this.name = "redis key " + key;
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
    public ConfigText read() {
        List<KeyValue<String, String>> fields;
        try {
            fields = connection().async().hmget(key, "text", "version").toCompletableFuture()
                    .get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + name, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("could not read " + name + ": " + cause, cause);
        }
        String text = fields.get(0).getValueOrElse(null);
        String version = fields.get(1).getValueOrElse(null);
        if (text == null && version == null) {
            throw new IllegalStateException(name + " holds no configuration; publish one first (ConfigPublisher.publish"
                    + " or the ratelimit-config command-line tool)");
        }
        if (text == null || version == null || !version.chars().allMatch(Character::isDigit) || version.isEmpty()) {
            throw new IllegalStateException(name + " is not a configuration: it needs the fields text and version (a"
                    + " number), and has version=" + version + " and " + (text == null ? "no text" : "a text"));
        }
        return new ConfigText(text, version, name);
    }

    private synchronized StatefulRedisConnection<String, String> connection() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (reads == null) {
            reads = client.connect();
        }
        return reads;
    }

    @Override
    public synchronized boolean subscribe(Runnable changed) {
        Objects.requireNonNull(changed, "changed");
        if (!push) {
            return false;
        }
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (pushes != null) {
            throw new IllegalStateException(name + " is already subscribed");
        }
        pushes = client.connectPubSub();
        pushes.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                changed.run();
            }

            @Override
            public void subscribed(String channel, long count) {
                changed.run(); // also after Lettuce reconnected: a change may have been missed
            }
        });
        pushes.async().subscribe(key);
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (pushes != null) {
            pushes.closeAsync();
            pushes = null;
        }
        if (reads != null) {
            reads.closeAsync();
            reads = null;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
