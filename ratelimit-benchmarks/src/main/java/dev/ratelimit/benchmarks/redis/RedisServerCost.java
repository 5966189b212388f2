package dev.ratelimit.benchmarks.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.testservers.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;

/**
 * The server's side of the cost: microseconds of Redis CPU per {@code EVALSHA} ({@code INFO commandstats}
 * {@code usec_per_call}) for our decision scripts and for the bare {@code return 1}, over sequential calls from one
 * thread. Unlike throughput, this does not count the client, the network or thread scheduling, so it says what the
 * scripts themselves cost; on a busy machine it still includes time the server was descheduled. Not a JMH
 * benchmark; run it with
 * <pre>
 * flock /tmp/jmh.lock java -cp ratelimit-benchmarks/target/benchmarks.jar \
 *     dev.ratelimit.benchmarks.redis.RedisServerCost [calls per measurement, default 20000] [rounds, default 3]
 * </pre>
 * and it prints one line per subject and round.
 */
public final class RedisServerCost {

    private RedisServerCost() {
    }

    /**
     * Runs the measurement.
     *
     * @param args optionally the calls per measurement (default 20,000), then the rounds (default 3)
     * @throws Exception if the server cannot start or a call fails
     */
    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (RedisProcess server = RedisProcess.start();
                JedisPooled jedis = new JedisPooled("127.0.0.1", server.port());
                Jedis admin = new Jedis("127.0.0.1", server.port())) {
            System.out.println(server.version());
            byte[] sha = jedis.scriptLoad("return 1").getBytes(StandardCharsets.US_ASCII);
            List<byte[]> hotKey = List.of("bench:hot".getBytes(StandardCharsets.UTF_8));
            for (int round = 1; round <= rounds; round++) {
                admin.configResetStat();
                for (int i = 0; i < calls; i++) {
                    jedis.evalsha(sha, hotKey, List.of());
                }
                System.out.printf("round %d  %-14s hot key %6.2f us/call%n", round, "BARE_EVALSHA", usecPerCall(admin));
                for (Algorithm algorithm : Algorithm.values()) {
                    Limit limit = algorithm == Algorithm.SLIDING_LOG ? Limit.perSecond(1_000)
                            : Limit.perSecond(1_000_000);
                    RateLimiter limiter = RateLimiter.builder().limit(limit).algorithm(algorithm)
                            .namespace("r" + round).store(RedisStore.builder(jedis).build()).build();
                    limiter.tryAcquire("warm-up");
                    admin.configResetStat();
                    for (int i = 0; i < calls; i++) {
                        limiter.tryAcquire("hot");
                    }
                    double hot = usecPerCall(admin);
                    Random random = new Random(round);
                    admin.configResetStat();
                    for (int i = 0; i < calls; i++) {
                        limiter.tryAcquire("user-" + random.nextInt(100_000));
                    }
                    System.out.printf("round %d  %-14s hot key %6.2f us/call, 100k keys %6.2f us/call%n", round,
                            algorithm, hot, usecPerCall(admin));
                }
            }
        }
    }

    private static double usecPerCall(Jedis admin) {
        String line = admin.info("commandstats").lines().filter(l -> l.startsWith("cmdstat_evalsha:"))
                .findFirst().orElseThrow();
        int at = line.indexOf("usec_per_call=") + "usec_per_call=".length();
        int end = line.indexOf(',', at);
        return Double.parseDouble(line.substring(at, end < 0 ? line.length() : end));
    }
}
