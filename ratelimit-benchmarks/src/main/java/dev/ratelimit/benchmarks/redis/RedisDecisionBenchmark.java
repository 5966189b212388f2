package dev.ratelimit.benchmarks.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.testservers.RedisProcess;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * One rate-limit decision against a local {@code redis-server} that the benchmark starts itself (from the PATH,
 * else the embedded-redis binary), over one pooled Jedis client:
 *
 * <ul>
 *   <li>{@code FIXED_WINDOW}, {@code SLIDING_WINDOW}, {@code SLIDING_LOG}, {@code TOKEN_BUCKET}: our
 *       {@link RateLimiter} on a {@link RedisStore} with its defaults (Redis {@code TIME}, one {@code EVALSHA} per
 *       decision or per coalesced batch on one key, the store's 4 threads; {@link RedisFleetBenchmark} compares
 *       the store's modes and clients).</li>
 *   <li>{@code BUCKET4J}: Bucket4j's Jedis proxy manager (compare-and-swap: {@code GET}, then a CAS script),
 *       {@code tryConsume(1)}.</li>
 *   <li>{@code BARE_EVALSHA}: {@code EVALSHA} of {@code return 1} with one key: the round trip alone, the floor.</li>
 * </ul>
 * {@code keys=1} is one hot key shared by every thread; {@code keys=100000} picks a random key of 100,000 per
 * call. Limits admit everything at these rates (1,000,000/s), except the sliding log, which keeps one record per
 * admitted microsecond and is meant for small limits: it runs at 1,000/s, so a hot key is mostly denied.
 *
 * <p>Run (threads: 1, 8, 64):
 * <pre>
 * mvn -B -o -q -pl ratelimit-benchmarks -am package -DskipTests
 * flock /tmp/jmh.lock java -jar ratelimit-benchmarks/target/benchmarks.jar RedisDecisionBenchmark \
 *     -f 1 -wi 2 -w 2s -i 3 -r 2s -t 64
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisDecisionBenchmark {

    /** What decides. */
    public enum Subject {
        /** {@code RedisStore}, fixed window. */
        FIXED_WINDOW,
        /** {@code RedisStore}, sliding window. */
        SLIDING_WINDOW,
        /** {@code RedisStore}, sliding log. */
        SLIDING_LOG,
        /** {@code RedisStore}, token bucket. */
        TOKEN_BUCKET,
        /** Bucket4j-jedis, compare-and-swap based. */
        BUCKET4J,
        /** An {@code EVALSHA} of {@code return 1}: the round trip alone. */
        BARE_EVALSHA
    }

    /** What decides. */
    @Param({"TOKEN_BUCKET", "FIXED_WINDOW", "SLIDING_WINDOW", "SLIDING_LOG", "BUCKET4J", "BARE_EVALSHA"})
    public Subject subject;

    /** How many distinct keys: one hot key, or many. */
    @Param({"1", "100000"})
    public int keys;

    private RedisProcess server;
    private JedisPooled jedis;
    private RedisStore store;
    private RateLimiter limiter;
    private String[] keyNames;
    private BucketProxy[] buckets;
    private byte[][] keyBytes;
    private byte[] sha;
    private final List<byte[]> noArgs = List.of();

    /**
     * Starts redis-server and builds the subject.
     *
     * @throws Exception if the server or the client cannot start
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
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
            case BUCKET4J -> {
                BucketConfiguration config = BucketConfiguration.builder()
                        .addLimit(l -> l.capacity(1_000_000).refillGreedy(1_000_000, Duration.ofSeconds(1)))
                        .build();
                ProxyManager<byte[]> proxies = Bucket4jJedis.casBasedBuilder(jedis)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy
                                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build();
                buckets = new BucketProxy[keys];
                for (int i = 0; i < keys; i++) {
                    buckets[i] = proxies.builder().build(keyBytes[i], () -> config);
                }
            }
            case BARE_EVALSHA -> sha = jedis.scriptLoad("return 1").getBytes(StandardCharsets.US_ASCII);
            default -> {
                Algorithm algorithm = Algorithm.valueOf(subject.name());
                Limit limit = algorithm == Algorithm.SLIDING_LOG ? Limit.perSecond(1_000) : Limit.perSecond(1_000_000);
                store = RedisStore.builder(jedis).build();
                limiter = RateLimiter.builder().limit(limit).algorithm(algorithm).store(store).build();
            }
        }
    }

    /** Closes the store and the pool, and stops the server. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) {
            store.close();
        }
        jedis.close();
        server.close();
    }

    /**
     * One decision.
     *
     * @return the decision (or the script's reply), consumed by JMH so nothing is optimised away
     */
    @Benchmark
    public Object decide() {
        int i = keys == 1 ? 0 : ThreadLocalRandom.current().nextInt(keys);
        return switch (subject) {
            case BUCKET4J -> buckets[i].tryConsume(1);
            case BARE_EVALSHA -> jedis.evalsha(sha, List.of(keyBytes[i]), noArgs);
            default -> limiter.tryAcquire(keyNames[i]);
        };
    }
}
