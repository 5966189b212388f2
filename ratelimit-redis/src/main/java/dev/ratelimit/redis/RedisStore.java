package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import redis.clients.jedis.UnifiedJedis;

/**
 * A {@link RateLimitStore} in Redis: every decision is one {@code EVALSHA} that runs the algorithm on the server,
 * atomically, on one key.
 *
 * <pre>{@code
 * UnifiedJedis jedis = new JedisPooled(new HostAndPort("localhost", 6379),
 *         DefaultJedisClientConfig.builder().socketTimeoutMillis(200).connectionTimeoutMillis(200).build());
 * RateLimitStore store = RedisStore.builder(jedis).build();
 * RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("100/s")).store(store).build();
 * }</pre>
 *
 * <p>Any {@link UnifiedJedis} works: {@code JedisPooled} (standalone), {@code JedisSentineled} and
 * {@code JedisCluster}. Each user key lives in one Redis key (a string holding the algorithm's state, see the
 * module README for the format), which is why a decision never spans slots in a cluster. Keys expire when they are
 * back at full allowance (plus the {@linkplain Builder#expiryMargin expiry margin}), so Redis holds only active
 * keys.
 *
 * <p><b>Keys.</b> A user key may be any string of any length, including unpaired surrogates, braces and control
 * characters. Its Redis key is {@code prefix + "{" + algorithm, namespace and key, escaped + "}"}: distinct
 * (namespace, algorithm, key) triples never share a Redis key, every Redis key starts with the
 * {@linkplain Builder#keyPrefix prefix}, and the whole identity is the Redis Cluster hash tag, so user text cannot
 * choose the slot. A key whose encoding is longer than 1024 bytes is stored under its SHA-256 instead, so a Redis
 * key is at most about 2 KB plus the prefix and namespace.
 *
 * <p><b>Time.</b> By default the scripts read Redis {@code TIME}, so app instances whose clocks disagree still
 * agree on every decision, and the limiter's {@code nowMicros} is ignored. With {@link Builder#callerTime()} they
 * use the limiter's time instead (the contract tests drive a fake clock this way).
 *
 * <p><b>Failures.</b> Every Jedis failure (connection refused or lost, timeout, {@code READONLY} after a
 * failover, cluster errors) is thrown as a {@link StoreException}, so the limiter's failure policy decides. A
 * script the server does not know ({@code NOSCRIPT} after a restart, failover or {@code SCRIPT FLUSH}) is loaded
 * and the call retried once; the caller never sees it. How long a call may take is set by
 * {@link Builder#commandTimeout} or, if that is not set, by the client's socket timeout.
 *
 * <p><b>Limits on values.</b> Lua numbers are doubles, so {@link #bind} rejects limits whose arithmetic would
 * reach 2<sup>53</sup> (see the README), and with caller time the time must be between 0 and 2<sup>52</sup>
 * microseconds (until 2112).
 *
 * <p>Thread-safe. {@link #close()} stops the store's own threads (if a command timeout created them) and leaves
 * the {@link UnifiedJedis}, which the caller owns, open.
 */
public final class RedisStore implements RateLimitStore {

    private final UnifiedJedis jedis;
    private final String keyPrefix;
    private final boolean serverTime;
    private final long expiryMarginMillis;
    private final Duration commandTimeout;
    private final ExecutorService executor;

    private RedisStore(Builder b) {
        this.jedis = b.jedis;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : Builder.DEFAULT_PREFIX;
        this.serverTime = b.serverTime == null || b.serverTime;
        this.expiryMarginMillis = b.expiryMargin != null ? b.expiryMargin.toMillis() : serverTime ? 0 : 1_000;
        this.commandTimeout = b.commandTimeout;
        this.executor = commandTimeout == null ? null : newExecutor();
    }

    /**
     * A builder for a store on {@code jedis}, which the store uses but does not close.
     *
     * @throws NullPointerException if jedis is null
     */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(Objects.requireNonNull(jedis, "jedis"));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if a limit's arithmetic would not stay below 2<sup>53</sup> in the Lua
     *     script (the message names the limit and the bound), or the limits are invalid for the algorithm
     */
    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(algorithm, "algorithm");
        List<Limit> copy = List.copyOf(limits);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("limits must not be empty");
        }
        StateTransition.of(algorithm).validate(copy);
        LuaBounds.check(algorithm, copy);
        return new RedisBinding(this, namespace, algorithm, copy);
    }

    /** Stops the threads a {@linkplain Builder#commandTimeout command timeout} created; the client stays open. */
    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "RedisStore{keyPrefix=" + keyPrefix + ", time=" + (serverTime ? "server" : "caller")
                + ", expiryMarginMillis=" + expiryMarginMillis
                + ", commandTimeout=" + (commandTimeout == null ? "client socket timeout" : commandTimeout) + '}';
    }

    UnifiedJedis jedis() {
        return jedis;
    }

    String keyPrefix() {
        return keyPrefix;
    }

    boolean usesServerTime() {
        return serverTime;
    }

    long expiryMarginMillis() {
        return expiryMarginMillis;
    }

    boolean hasExecutor() {
        return executor != null;
    }

    ExecutorService executor() {
        return executor;
    }

    /** Runs a store call on the caller's thread, or on the store's threads with the command timeout. */
    <T> T call(Supplier<T> work) {
        if (executor == null) {
            return work.get();
        }
        Future<T> future;
        try {
            future = executor.submit(work::get);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new StoreException("Redis store is closed", e);
        }
        try {
            return future.get(commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new StoreException("Redis store: no answer within the command timeout of " + commandTimeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new StoreException("Redis store call failed", cause);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new StoreException("Redis store: interrupted while waiting for Redis", e);
        }
    }

    private static ExecutorService newExecutor() {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "ratelimit-redis-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds a {@link RedisStore}. Each option may be set once; values are checked when set. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #keyPrefix}</td><td>{@code "rl:"}</td></tr>
     *   <tr><td>{@link #serverTime()} / {@link #callerTime()}</td><td>server time (Redis {@code TIME})</td></tr>
     *   <tr><td>{@link #expiryMargin}</td><td>0 with server time, 1 second with caller time</td></tr>
     *   <tr><td>{@link #commandTimeout}</td><td>none: calls run on the caller's thread, bounded by the client's
     *       socket timeout</td></tr>
     * </table>
     */
    public static final class Builder {
        static final String DEFAULT_PREFIX = "rl:";
        private static final int MAX_PREFIX_LENGTH = 256;

        private final UnifiedJedis jedis;
        private String keyPrefix;
        private Boolean serverTime;
        private Duration expiryMargin;
        private Duration commandTimeout;

        private Builder(UnifiedJedis jedis) {
            this.jedis = jedis;
        }

        /**
         * The text every Redis key of this store starts with; {@code "rl:"} by default. Use one prefix per
         * application (or per environment sharing a Redis) so that an ACL rule or a {@code SCAN} can select the
         * keys. Limiters' own key prefixes (namespaces) are encoded after it.
         *
         * @throws IllegalArgumentException if empty, longer than 256 characters, or containing <code>{</code> or
         *     <code>}</code> (which would change the Redis Cluster hash tag)
         * @throws IllegalStateException if already set
         */
        public Builder keyPrefix(String keyPrefix) {
            if (this.keyPrefix != null) {
                throw new IllegalStateException("keyPrefix was already set to \"" + this.keyPrefix + "\"");
            }
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty() || keyPrefix.length() > MAX_PREFIX_LENGTH) {
                throw new IllegalArgumentException(
                        "keyPrefix must be 1 to " + MAX_PREFIX_LENGTH + " characters but was \"" + keyPrefix + "\"");
            }
            if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException(
                        "keyPrefix must not contain '{' or '}' (the store sets the hash tag) but was \"" + keyPrefix
                                + "\"");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * Read the time from Redis ({@code TIME}) inside each script: the default. All app instances then agree on
         * window boundaries and refill even if their clocks are skewed; the limiter's time source is ignored.
         *
         * @throws IllegalStateException if the clock was already chosen
         */
        public Builder serverTime() {
            setClock(true);
            return this;
        }

        /**
         * Use the time the limiter passes (its {@code TimeSource}) instead of Redis {@code TIME}: for tests
         * driven by a fake clock, or when the app's clock is the one that must count. Times must be between 0 and
         * 2<sup>52</sup> microseconds since the epoch.
         *
         * @throws IllegalStateException if the clock was already chosen
         */
        public Builder callerTime() {
            setClock(false);
            return this;
        }

        private void setClock(boolean server) {
            if (serverTime != null) {
                throw new IllegalStateException(
                        "the clock was already set to " + (serverTime ? "serverTime()" : "callerTime()"));
            }
            serverTime = server;
        }

        /**
         * How long a key outlives the moment it is back at full allowance; 0 with server time, 1 second with
         * caller time (so instances whose clocks run behind the writer's still find the state). Keys then expire by
         * themselves; none lives forever.
         *
         * @throws IllegalArgumentException if negative or longer than 1 day
         * @throws IllegalStateException if already set
         */
        public Builder expiryMargin(Duration margin) {
            if (expiryMargin != null) {
                throw new IllegalStateException("expiryMargin was already set to " + expiryMargin);
            }
            Objects.requireNonNull(margin, "margin");
            if (margin.isNegative() || margin.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("expiryMargin must be between 0 and 1 day but was " + margin);
            }
            this.expiryMargin = margin;
            return this;
        }

        /**
         * The longest a calling thread waits for one store call; after it, the call fails with a
         * {@link StoreException} and the limiter's failure policy decides. Setting it moves the Redis calls onto
         * threads the store owns (the caller waits on a future), which costs a thread hand-off per call; without it
         * (the default) calls run on the caller's thread and are bounded by the client's own timeouts, which you
         * set when building the {@link UnifiedJedis} ({@code socketTimeoutMillis}, {@code connectionTimeoutMillis},
         * and the pool's {@code maxWait}). Either way, keep the client's socket timeout finite, so a call that
         * outlives the command timeout frees its connection.
         *
         * @throws IllegalArgumentException if not between 1 ms and 1 minute
         * @throws IllegalStateException if already set
         */
        public Builder commandTimeout(Duration timeout) {
            if (commandTimeout != null) {
                throw new IllegalStateException("commandTimeout was already set to " + commandTimeout);
            }
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("commandTimeout must be between 1ms and 1 minute but was " + timeout);
            }
            this.commandTimeout = timeout;
            return this;
        }

        /** The store. */
        public RedisStore build() {
            return new RedisStore(this);
        }
    }
}
