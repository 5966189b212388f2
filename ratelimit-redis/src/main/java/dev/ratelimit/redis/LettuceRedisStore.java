package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.List;
import java.util.Objects;

/**
 * A {@link RateLimitStore} in Redis through Lettuce, asynchronous and without threads of its own. It runs the same
 * scripts, key format and reply decoding as {@link RedisStore} (the stores are interchangeable on one Redis: the
 * same limiter on either sees the same state), so everything {@link RedisStore} says about keys, time, expiry and
 * limits on values holds here too.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
 * RateLimitStore store = LettuceRedisStore.builder(connection).build();
 * RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("100/s")).store(store).build();
 * }</pre>
 * A cluster connection ({@code RedisClusterClient.connect(ByteArrayCodec.INSTANCE)}) works the same way.
 *
 * <p><b>Threads.</b> The store owns <b>no</b> threads. {@code tryAcquireAsync} writes the call to the connection
 * and returns; Lettuce's event loop (which the client owns) completes it, so thousands of calls can be in flight
 * with no thread per call, and dependent stages run on that event loop unless the caller chooses an executor
 * ({@code thenApplyAsync}). On one connection calls are answered in the order they were sent. A synchronous call
 * parks its caller on the future for at most the {@linkplain Builder#timeout timeout} (500 ms by
 * default); an asynchronous one is failed after the same time by the JDK's shared {@code CompletableFuture} delay
 * thread. Do not make synchronous calls on Lettuce's event loop threads.
 *
 * <p><b>Coalescing</b> (on by default): concurrent acquires on one key of one limiter are decided by one script
 * evaluation, in the order they were taken, exactly as if they had come one by one; calls on different keys are
 * decided by one multi-key evaluation (per slot in a cluster); the rest is pipelined on the connection. Calls are
 * spread over 16 lanes by key, each with at most one batch in flight: a call that finds its lane idle is sent at
 * once; nothing waits on a timer. At most
 * {@linkplain Builder#maxPendingCalls maxPendingCalls} calls are in flight; beyond that a call fails at once.
 *
 * <p><b>Failures.</b> Every Lettuce failure (connection lost, error reply, the client's own timeout), a timeout, a
 * full store and a reply that is not the script's is a {@link dev.ratelimit.spi.StoreException} naming the cause,
 * so the limiter's failure policy decides. {@code NOSCRIPT} is handled as in {@link RedisStore}. Lettuce
 * reconnects by itself; by default it queues commands while disconnected, which the store's bound on pending calls
 * caps.
 *
 * <p>Thread-safe. {@link #close()} leaves the connection, which the caller owns, open.
 */
public final class LettuceRedisStore implements RateLimitStore {

    private final StoreSettings settings;
    private final LettuceRunner runner;

    private LettuceRedisStore(Builder b) {
        this.settings = b.settings();
        this.runner = new LettuceRunner(b.commands, settings);
    }

    /**
     * A builder for a store on a standalone (or Sentinel-managed) connection with a byte-array codec
     * ({@code ByteArrayCodec.INSTANCE}); the store uses the connection but does not close it.
     *
     * @param connection the connection; the caller keeps it and closes it
     * @return a new builder
     * @throws NullPointerException if connection is null
     */
    public static Builder builder(StatefulRedisConnection<byte[], byte[]> connection) {
        return new Builder(Objects.requireNonNull(connection, "connection").async());
    }

    /**
     * A builder for a store on a Redis Cluster connection with a byte-array codec; the store uses the connection
     * but does not close it. Scripts are loaded on every master.
     *
     * @param connection the cluster connection; the caller keeps it and closes it
     * @return a new builder
     * @throws NullPointerException if connection is null
     */
    public static Builder builder(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return new Builder(Objects.requireNonNull(connection, "connection").async());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if a limit's arithmetic would not stay below 2<sup>53</sup> in the Lua
     *     script (the message names the limit and the bound), or the limits are invalid for the algorithm
     */
    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        return RedisStore.bind(settings, runner, namespace, algorithm, limits);
    }

    /**
     * The threads this store owns: always 0 (Lettuce's event loops belong to the client).
     *
     * @return 0
     */
    public int ownedThreads() {
        return 0;
    }

    /** New calls fail from now on; calls in flight are still answered. The connection stays open. */
    @Override
    public void close() {
        runner.close();
    }

    @Override
    public String toString() {
        return "LettuceRedisStore{" + settings + '}';
    }

    /**
     * Builds a {@link LettuceRedisStore}. Values are checked when set; setting an option again replaces the
     * earlier value (the last call wins). Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #keyPrefix}</td><td>{@code "rl:"}</td></tr>
     *   <tr><td>{@link #serverTime()} / {@link #callerTime()}</td><td>server time (Redis {@code TIME})</td></tr>
     *   <tr><td>{@link #expiryMargin}</td><td>0 with server time, 1 second with caller time</td></tr>
     *   <tr><td>{@link #timeout}</td><td>500 ms</td></tr>
     *   <tr><td>{@link #maxPendingCalls}</td><td>16,384</td></tr>
     *   <tr><td>{@link #coalescing}</td><td>on</td></tr>
     * </table>
     */
    public static final class Builder extends StoreOptions<Builder> {
        private final RedisClusterAsyncCommands<byte[], byte[]> commands;

        private Builder(RedisClusterAsyncCommands<byte[], byte[]> commands) {
            this.commands = commands;
        }

        /**
         * The store.
         *
         * @return the store, sending its calls on the connection
         */
        public LettuceRedisStore build() {
            return new LettuceRedisStore(this);
        }
    }
}
