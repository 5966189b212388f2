package dev.ratelimit.benchmarks.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.LettuceRedisStore;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testservers.RedisProcess;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * Issue 18's tables: one token-bucket decision against a local {@code redis-server} that each trial starts, by
 * every way this project and its peer decide on Redis, in one run:
 *
 * <ul>
 *   <li>{@code JEDIS}: our {@link RedisStore} with its defaults (4 threads of its own, coalescing on), sync.</li>
 *   <li>{@code JEDIS_CALLER_THREAD}: our {@link RedisStore} with {@code callerThreadCalls()}: one {@code EVALSHA}
 *       on the caller's thread per decision (the store before coalescing).</li>
 *   <li>{@code LETTUCE}: our {@link LettuceRedisStore} with its defaults (coalescing on), sync.</li>
 *   <li>{@code JEDIS_ASYNC}, {@code LETTUCE_ASYNC} ({@link #inFlight16}): each benchmark thread issues 16
 *       {@code tryAcquireAsync} calls, then waits for all 16; a score counts decisions.</li>
 *   <li>{@code BUCKET4J}: Bucket4j-jedis, compare-and-swap proxy, {@code tryConsume(1)}.</li>
 *   <li>{@code BUCKET4J_BATCHED}: the same with {@code Optimizations.batching()}, which merges concurrent requests
 *       on one bucket into one round trip.</li>
 *   <li>{@code BARE_EVALSHA}: {@code EVALSHA} of {@code return 1}, one per call: the one-round-trip floor.</li>
 *   <li>{@code PIPELINED_EVALSHA} ({@link #inFlight16}): 16 such {@code EVALSHA}s in one Jedis pipeline: what the
 *       server can do when round trips are shared; a score counts commands.</li>
 * </ul>
 * Limit 1,000,000/s with a burst of 1,000,000 (nothing is denied at these rates); Redis {@code TIME} is the clock.
 * {@code keys=1}: one hot key for every thread; {@code keys=100000}: a random key of 100,000 per call.
 *
 * <p>Run (threads 1, 8, 64; the two methods take different subjects):
 * <pre>
 * mvn -B -o -q -pl ratelimit-benchmarks -am package -DskipTests
 * java -jar ratelimit-benchmarks/target/benchmarks.jar 'RedisFleetBenchmark.decide$' \
 *     -p subject=JEDIS,JEDIS_CALLER_THREAD,LETTUCE,BUCKET4J,BUCKET4J_BATCHED,BARE_EVALSHA \
 *     -f 1 -wi 2 -w 2s -i 4 -r 2s -t 64
 * java -jar ratelimit-benchmarks/target/benchmarks.jar 'RedisFleetBenchmark.inFlight16' \
 *     -p subject=JEDIS_ASYNC,LETTUCE_ASYNC,PIPELINED_EVALSHA -f 1 -wi 2 -w 2s -i 4 -r 2s -t 64
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisFleetBenchmark {

    /** How the decision is made. */
    public enum Subject {
        /** {@code RedisStore} on a Jedis pool, calls on the store's own threads (coalescing). */
        JEDIS,
        /** {@code RedisStore} with {@code callerThreadCalls()}: each call on the calling thread. */
        JEDIS_CALLER_THREAD,
        /** {@code LettuceRedisStore}, synchronous calls. */
        LETTUCE,
        /** {@code RedisStore}, asynchronous calls ({@code inFlight16} only). */
        JEDIS_ASYNC,
        /** {@code LettuceRedisStore}, asynchronous calls ({@code inFlight16} only). */
        LETTUCE_ASYNC,
        /** Bucket4j-jedis, compare-and-swap based. */
        BUCKET4J,
        /** Bucket4j-jedis with its batching optimization. */
        BUCKET4J_BATCHED,
        /** An {@code EVALSHA} of {@code return 1}: the round trip alone. */
        BARE_EVALSHA,
        /** 16 pipelined bare {@code EVALSHA}s ({@code inFlight16} only). */
        PIPELINED_EVALSHA
    }

    private static final int IN_FLIGHT = 16;

    /** How the decision is made. */
    @Param({"JEDIS", "JEDIS_CALLER_THREAD", "LETTUCE", "BUCKET4J", "BUCKET4J_BATCHED", "BARE_EVALSHA"})
    public Subject subject;

    /** How many distinct keys: one hot key, or many. */
    @Param({"1", "100000"})
    public int keys;

    private RedisProcess server;
    private JedisPooled jedis;
    private RedisClient lettuce;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private RateLimitStore store;
    private RateLimiter limiter;
    private String[] keyNames;
    private byte[][] keyBytes;
    private BucketProxy[] buckets;
    private byte[] sha;
    private final List<byte[]> noArgs = List.of();

    /** Starts redis-server and builds the subject. */
    @Setup(Level.Trial)
    public void setUp() {
        server = RedisProcess.start();
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(256);
        pool.setMaxIdle(256);
        jedis = new JedisPooled(pool, new HostAndPort("127.0.0.1", server.port()),
                DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000).connectionTimeoutMillis(5_000).build());
        keyNames = new String[keys];
        keyBytes = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            keyNames[i] = keys == 1 ? "hot" : "user-" + i;
            keyBytes[i] = ("bench:" + keyNames[i]).getBytes(StandardCharsets.UTF_8);
        }
        switch (subject) {
            case BUCKET4J, BUCKET4J_BATCHED -> {
                BucketConfiguration config = BucketConfiguration.builder()
                        .addLimit(l -> l.capacity(1_000_000).refillGreedy(1_000_000, Duration.ofSeconds(1)))
                        .build();
                ProxyManager<byte[]> proxies = Bucket4jJedis.casBasedBuilder(jedis)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy
                                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build();
                buckets = new BucketProxy[keys];
                for (int i = 0; i < keys; i++) {
                    RemoteBucketBuilder<byte[]> builder = proxies.builder();
                    if (subject == Subject.BUCKET4J_BATCHED) {
                        builder = builder.withOptimization(Optimizations.batching());
                    }
                    buckets[i] = builder.build(keyBytes[i], () -> config);
                }
            }
            case BARE_EVALSHA, PIPELINED_EVALSHA ->
                    sha = jedis.scriptLoad("return 1").getBytes(StandardCharsets.US_ASCII);
            case LETTUCE, LETTUCE_ASYNC -> {
                lettuce = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
                connection = lettuce.connect(ByteArrayCodec.INSTANCE);
                ourLimiter(LettuceRedisStore.builder(connection).build());
            }
            case JEDIS_CALLER_THREAD -> ourLimiter(RedisStore.builder(jedis).callerThreadCalls().build());
            default -> ourLimiter(RedisStore.builder(jedis).build());
        }
    }

    private void ourLimiter(RateLimitStore s) {
        store = s;
        limiter = RateLimiter.builder().limit(Limit.perSecond(1_000_000)).algorithm(Algorithm.TOKEN_BUCKET)
                .store(store).build();
    }

    /** Closes the store and the clients, and stops the server. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) {
            store.close();
        }
        if (connection != null) {
            connection.close();
            lettuce.shutdown();
        }
        jedis.close();
        server.close();
    }

    private int key() {
        return keys == 1 ? 0 : ThreadLocalRandom.current().nextInt(keys);
    }

    /**
     * One decision (or one bare round trip) per call.
     *
     * @return the decision (or the script's reply), consumed by JMH
     */
    @Benchmark
    public Object decide() {
        int i = key();
        return switch (subject) {
            case BUCKET4J, BUCKET4J_BATCHED -> buckets[i].tryConsume(1);
            case BARE_EVALSHA -> jedis.evalsha(sha, List.of(keyBytes[i]), noArgs);
            case JEDIS, JEDIS_CALLER_THREAD, LETTUCE -> limiter.tryAcquire(keyNames[i]);
            default -> throw new IllegalStateException(subject + " runs in inFlight16, not decide");
        };
    }

    /**
     * 16 decisions (or 16 pipelined bare EVALSHAs) in flight per call; the score counts each.
     *
     * @return {@code null}, once all 16 are done
     */
    @Benchmark
    @OperationsPerInvocation(IN_FLIGHT)
    public Object inFlight16() {
        switch (subject) {
            case JEDIS_ASYNC, LETTUCE_ASYNC -> {
                CompletableFuture<?>[] futures = new CompletableFuture<?>[IN_FLIGHT];
                for (int j = 0; j < IN_FLIGHT; j++) {
                    futures[j] = limiter.tryAcquireAsync(keyNames[key()]).toCompletableFuture();
                }
                return CompletableFuture.allOf(futures).join();
            }
            case PIPELINED_EVALSHA -> {
                try (AbstractPipeline pipeline = jedis.pipelined()) {
                    for (int j = 0; j < IN_FLIGHT; j++) {
                        pipeline.evalsha(sha, List.of(keyBytes[key()]), noArgs);
                    }
                    pipeline.sync();
                }
                return null;
            }
            default -> throw new IllegalStateException(subject + " runs in decide, not inFlight16");
        }
    }
}
