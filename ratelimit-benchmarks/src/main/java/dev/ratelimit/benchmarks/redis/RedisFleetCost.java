package dev.ratelimit.benchmarks.redis;

import com.sun.management.OperatingSystemMXBean;
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
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;

/**
 * Where the CPU goes per decision, for the subjects of {@link RedisFleetBenchmark}: decisions per second, the
 * benchmark process's CPU per decision (the client: callers, the store's threads, Jedis or Lettuce, and the
 * kernel work of waking and parking threads), the {@code redis-server}'s CPU per decision ({@code INFO cpu}),
 * decisions per {@code EVALSHA} ({@code INFO commandstats}) and the process's context switches per decision
 * ({@code /proc/self/task/}*{@code /status}, Linux only). CPU time, unlike throughput, is little changed by other
 * processes sharing the machine, so it says what each way of deciding costs even on a busy machine. Not a JMH
 * benchmark; run it with
 * <pre>
 * java -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.benchmarks.redis.RedisFleetCost \
 *     SUBJECT KEYS THREADS [seconds per round, default 3] [rounds, default 3]
 * </pre>
 * where SUBJECT is one of {@code JEDIS JEDIS_ASYNC LETTUCE LETTUCE_ASYNC BUCKET4J_BATCHED BARE_EVALSHA} (the async
 * subjects keep 16 calls in flight per thread, as {@code RedisFleetBenchmark.inFlight16}). It prints one line per
 * round after 3 s of warm-up.
 */
public final class RedisFleetCost {

    private static final int IN_FLIGHT = 16;

    private RedisFleetCost() {
    }

    /**
     * Runs the measurement.
     *
     * @param args subject, keys, threads, then optionally seconds per round and rounds
     * @throws Exception if the server cannot start or a call fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: RedisFleetCost SUBJECT KEYS THREADS [seconds] [rounds]");
            System.exit(2);
        }
        String subject = args[0].toUpperCase(Locale.ROOT);
        int keys = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        try (RedisProcess server = RedisProcess.start(); Jedis admin = new Jedis("127.0.0.1", server.port())) {
            GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
            pool.setMaxTotal(256);
            pool.setMaxIdle(256);
            JedisPooled jedis = new JedisPooled(pool, new HostAndPort("127.0.0.1", server.port()),
                    DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000).build());
            String[] names = new String[keys];
            byte[][] keyBytes = new byte[keys][];
            for (int i = 0; i < keys; i++) {
                names[i] = keys == 1 ? "hot" : "user-" + i;
                keyBytes[i] = ("bench:" + names[i]).getBytes(StandardCharsets.UTF_8);
            }
            RedisClient lettuce = null;
            RateLimitStore store = null;
            BucketProxy[] buckets = null;
            byte[] sha = jedis.scriptLoad("return 1").getBytes(StandardCharsets.US_ASCII);
            switch (subject) {
                case "JEDIS", "JEDIS_ASYNC" -> store = RedisStore.builder(jedis).build();
                case "LETTUCE", "LETTUCE_ASYNC" -> {
                    lettuce = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
                    StatefulRedisConnection<byte[], byte[]> c = lettuce.connect(ByteArrayCodec.INSTANCE);
                    store = LettuceRedisStore.builder(c).build();
                }
                case "BUCKET4J_BATCHED" -> {
                    BucketConfiguration config = BucketConfiguration.builder()
                            .addLimit(l -> l.capacity(1_000_000).refillGreedy(1_000_000, Duration.ofSeconds(1)))
                            .build();
                    ProxyManager<byte[]> proxies = Bucket4jJedis.casBasedBuilder(jedis)
                            .expirationAfterWrite(ExpirationAfterWriteStrategy
                                    .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                            .build();
                    buckets = new BucketProxy[keys];
                    for (int i = 0; i < keys; i++) {
                        buckets[i] = proxies.builder().withOptimization(Optimizations.batching())
                                .build(keyBytes[i], () -> config);
                    }
                }
                case "BARE_EVALSHA" -> {
                    // the bare script is loaded above
                }
                default -> throw new IllegalArgumentException("unknown subject " + subject);
            }
            RateLimiter limiter = store == null ? null : RateLimiter.builder().limit(Limit.perSecond(1_000_000))
                    .algorithm(Algorithm.TOKEN_BUCKET).store(store).build();
            boolean async = subject.endsWith("_ASYNC");
            BucketProxy[] b4j = buckets;
            LongAdder decisions = new LongAdder();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        int k = keys == 1 ? 0 : random.nextInt(keys);
                        if (b4j != null) {
                            b4j[k].tryConsume(1);
                        } else if (limiter == null) {
                            jedis.evalsha(sha, List.of(keyBytes[k]), List.of());
                        } else if (async) {
                            CompletableFuture<?>[] futures = new CompletableFuture<?>[IN_FLIGHT];
                            for (int j = 0; j < IN_FLIGHT; j++) {
                                futures[j] = limiter.tryAcquireAsync(names[keys == 1 ? 0 : random.nextInt(keys)])
                                        .toCompletableFuture();
                            }
                            CompletableFuture.allOf(futures).join();
                            decisions.add(IN_FLIGHT - 1);
                        } else {
                            limiter.tryAcquire(names[k]);
                        }
                        decisions.increment();
                    }
                }, "fleet-cost-" + t);
                thread.setDaemon(true);
                thread.start();
                workers.add(thread);
            }
            pause(Duration.ofSeconds(3)); // warm-up
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            for (int round = 1; round <= rounds; round++) {
                long[] switches0 = contextSwitches();
                long cpu0 = os.getProcessCpuTime();
                double redis0 = redisCpuSeconds(admin);
                long calls0 = evalshaCalls(admin);
                long d0 = decisions.sum();
                long t0 = System.nanoTime();
                pause(Duration.ofSeconds(seconds));
                long d = decisions.sum() - d0;
                long elapsed = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                long[] switches1 = contextSwitches();
                double redis = redisCpuSeconds(admin) - redis0;
                long calls = evalshaCalls(admin) - calls0;
                System.out.printf(Locale.ROOT, "%s keys=%d threads=%d round %d: %,.0f decisions/s, client %.2f us"
                        + " CPU/decision, redis %.2f us CPU/decision, %.1f decisions/EVALSHA, %.2f voluntary +"
                        + " %.2f involuntary context switches/decision, load average %.1f%n", subject, keys,
                        threads, round, d * 1e9 / elapsed, cpu / 1e3 / d, redis * 1e6 / d,
                        calls == 0 ? Double.NaN : d / (double) calls, (switches1[0] - switches0[0]) / (double) d,
                        (switches1[1] - switches0[1]) / (double) d, os.getSystemLoadAverage());
            }
            stop.set(true);
            for (Thread t : workers) {
                t.join(10_000);
            }
            if (store != null) {
                store.close();
            }
            if (lettuce != null) {
                lettuce.shutdown();
            }
            jedis.close();
        }
    }

    private static double redisCpuSeconds(Jedis admin) {
        double seconds = 0;
        for (String line : admin.info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return seconds;
    }

    private static long evalshaCalls(Jedis admin) {
        for (String line : admin.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:")) {
                for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (field.startsWith("calls=")) {
                        return Long.parseLong(field.substring(6));
                    }
                }
            }
        }
        return 0;
    }

    /** Voluntary and involuntary context switches of all this process's threads so far (0, 0 off Linux). */
    private static long[] contextSwitches() {
        long voluntary = 0;
        long involuntary = 0;
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return new long[] {0, 0};
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
            for (Path dir : dirs) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(dir.resolve("status"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                for (String line : lines) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        voluntary += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                        involuntary += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
            }
        } catch (IOException e) {
            return new long[] {0, 0};
        }
        return new long[] {voluntary, involuntary};
    }

    /** Waits {@code length} (the measurement window), however often the park returns early. */
    private static void pause(Duration length) {
        long deadline = System.nanoTime() + length.toNanos();
        for (long left = length.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
