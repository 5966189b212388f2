package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import java.util.List;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * A {@link RateLimitStore} in Redis through Jedis: every decision is one evaluation of a Lua script that runs the
 * algorithm on the server, atomically, on one key.
 *
 * <pre>{@code
 * UnifiedJedis jedis = new JedisPooled("localhost", 6379);
 * RateLimitStore store = RedisStore.builder(jedis).build();
 * RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("100/s")).store(store).build();
 * }</pre>
 *
 * <p>Any {@link UnifiedJedis} works: {@code JedisPooled} (standalone), {@code JedisSentineled} and
 * {@code JedisCluster}. Each user key lives in one Redis key (a string holding the algorithm's state, see the
 * module README for the format), which is why a decision never spans slots in a cluster. Keys expire when they are
 * back at full allowance (plus the {@linkplain Builder#expiryMargin expiry margin}), so Redis holds only active
 * keys. A {@link LettuceRedisStore} shares the scripts, key format and decoding, on Lettuce.
 *
 * <p><b>Keys.</b> A user key may be any string of any length, including unpaired surrogates, braces and control
 * characters. Its Redis key is {@code prefix + "{" + algorithm, namespace and key, escaped + "}"}: distinct
 * (namespace, algorithm, key) triples never share a Redis key, every Redis key starts with the
 * {@linkplain Builder#keyPrefix prefix}, and the whole identity is the Redis Cluster hash tag, so user text cannot
 * choose the slot. A key whose encoding is longer than 1024 bytes is stored under its SHA-256 instead.
 *
 * <p><b>Time.</b> By default the scripts read Redis {@code TIME}, so app instances whose clocks disagree still
 * agree on every decision, and the limiter's {@code nowMicros} is ignored. With {@link Builder#callerTime()} they
 * use the limiter's time instead (the contract tests drive a fake clock this way).
 *
 * <p><b>Threads and waiting.</b> By default the store owns a fixed number of threads ({@link Builder#threads},
 * 4) that send the calls: a caller parks on its call for at most the {@linkplain Builder#timeout
 * timeout} (500 ms by default) and is then answered by the failure policy, however Redis behaves; the threads
 * never grow in number, and at most {@linkplain Builder#maxPendingCalls maxPendingCalls} calls wait (beyond that a
 * call fails at once). While every thread is busy, waiting calls are sent together, one pipeline per thread:
 * concurrent acquires on one key are decided by one evaluation, and calls on different keys by one multi-key
 * evaluation per script (per slot in a cluster) ({@linkplain Builder#coalescing coalescing}).
 * A lone synchronous caller polls for its answer for up to 100 us before it parks, and one idle store thread
 * polls for work for up to 50 us, so a single caller is served without thread wake-ups. Asynchronous calls
 * ({@code tryAcquireAsync} on the limiter) return without waiting. With {@link Builder#callerThreadCalls()} calls run on the
 * caller's thread instead (no threads, no hand-off; bounded only by the client's own timeouts).
 *
 * <p><b>Failures.</b> Every Jedis failure (connection refused or lost, timeout, {@code READONLY} after a
 * failover, cluster errors), a full queue, a timeout and a reply that is not the script's (a proxy or another
 * server answering) is thrown as a {@link dev.ratelimit.spi.StoreException} that names the cause, so the limiter's
 * failure policy decides. A script the server does not know ({@code NOSCRIPT} after a restart, failover or
 * {@code SCRIPT FLUSH}) is loaded and the call retried once; the caller never sees it.
 *
 * <p><b>Limits on values.</b> Lua numbers are doubles, so {@link #bind} rejects limits whose arithmetic would
 * reach 2<sup>53</sup> (see the README), and with caller time the time must be between 0 and 2<sup>52</sup>
 * microseconds (until 2112).
 *
 * <p>Thread-safe. {@link #close()} stops the store's own threads and leaves the {@link UnifiedJedis}, which the
 * caller owns, open.
 */
public final class RedisStore implements RateLimitStore {

    private final StoreSettings settings;
    private final ScriptRunner runner;
    private final int threads;

    private RedisStore(Builder b) {
        this.settings = b.settings();
        this.threads = b.callerThread ? 0 : b.threads != null ? b.threads : Builder.DEFAULT_THREADS;
        this.runner = b.callerThread ? new JedisDirectRunner(b.jedis) : new JedisDispatcher(b.jedis, settings, threads);
    }

    /**
     * A builder for a store on {@code jedis}, which the store uses but does not close.
     *
     * @param jedis the client; the caller keeps it and closes it
     * @return a new builder
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
        return bind(settings, runner, namespace, algorithm, limits);
    }

    static StoreBinding bind(StoreSettings settings, ScriptRunner runner, String namespace, Algorithm algorithm,
            List<Limit> limits) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(algorithm, "algorithm");
        List<Limit> copy = List.copyOf(limits);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("limits must not be empty");
        }
        StateTransition.of(algorithm).validate(copy);
        LuaBounds.check(algorithm, copy);
        return new RedisBinding(settings, runner, namespace, algorithm, copy);
    }

    /**
     * The threads this store owns: {@link Builder#threads}, or 0 with {@link Builder#callerThreadCalls()}.
     *
     * @return the number of threads the store started
     */
    public int ownedThreads() {
        return threads;
    }

    /** Stops the store's own threads (calls still waiting fail); the client stays open. */
    @Override
    public void close() {
        runner.close();
    }

    @Override
    public String toString() {
        return "RedisStore{" + (threads == 0 ? "callerThreadCalls, " + "keyPrefix=" + settings.keyPrefix
                : settings + ", threads=" + threads) + '}';
    }

    /**
     * Builds a {@link RedisStore}. Values are checked when set; setting an option again replaces the earlier value
     * (the last call wins). {@link #callerThreadCalls()} runs without the store's own threads, so {@link #build()}
     * refuses it together with an option of those threads ({@link #threads}, {@link #timeout},
     * {@link #maxPendingCalls}, {@link #coalescing}) rather than ignore that option. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #keyPrefix}</td><td>{@code "rl:"}</td></tr>
     *   <tr><td>{@link #serverTime()} / {@link #callerTime()}</td><td>server time (Redis {@code TIME})</td></tr>
     *   <tr><td>{@link #expiryMargin}</td><td>0 with server time, 1 second with caller time</td></tr>
     *   <tr><td>{@link #timeout}</td><td>500 ms</td></tr>
     *   <tr><td>{@link #threads}</td><td>4</td></tr>
     *   <tr><td>{@link #maxPendingCalls}</td><td>16,384</td></tr>
     *   <tr><td>{@link #coalescing}</td><td>on</td></tr>
     *   <tr><td>{@link #callerThreadCalls()}</td><td>off</td></tr>
     * </table>
     */
    public static final class Builder extends StoreOptions<Builder> {
        static final int DEFAULT_THREADS = 4;

        private final UnifiedJedis jedis;
        private Integer threads;
        private boolean callerThread;

        private Builder(UnifiedJedis jedis) {
            this.jedis = jedis;
        }

        /**
         * How many threads the store owns to send calls to Redis; default 4. Each holds at most one connection of
         * the client at a time (one per node in a cluster), so keep the client's pool at least this large (Jedis's
         * default is 8). The number never changes with load.
         *
         * @param threads the number of threads
         * @return this builder
         * @throws IllegalArgumentException if not between 1 and 256
         */
        public Builder threads(int threads) {
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("threads must be between 1 and 256 but was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Run every call on the caller's thread with one Jedis command: the store owns no threads and hands
         * nothing off, the fastest path for a few synchronous callers. No coalescing then, and how long a call may
         * take is bounded only by the client: its socket timeout (Jedis's default is 2 s), its connect timeout,
         * and its pool's {@code maxWait} (unbounded by default: set it). {@code tryAcquireAsync} then runs on the
         * caller's thread too. Excludes the options of the store's own threads (checked by {@link #build()}).
         *
         * @return this builder
         */
        public Builder callerThreadCalls() {
            this.callerThread = true;
            return this;
        }

        /**
         * The store; in the default mode its threads are started here.
         *
         * @return the store
         * @throws IllegalStateException if {@link #callerThreadCalls()} was combined with an option of the
         *     store's own threads; the message names the options
         */
        public RedisStore build() {
            if (callerThread && (threads != null || timeoutSet() || coalescingSet() || maxPendingCallsSet())) {
                throw new IllegalStateException("callerThreadCalls() excludes threads, timeout, maxPendingCalls and"
                        + " coalescing, which are about the store's own threads");
            }
            return new RedisStore(this);
        }
    }
}
