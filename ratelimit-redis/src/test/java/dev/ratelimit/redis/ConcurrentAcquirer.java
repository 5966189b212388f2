package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * One side of {@link RedisTwoProcessConcurrencyTest}, also used as the second JVM's main class: {@code threads}
 * threads each ask {@code requests} times for one permit of one key, all at the same (frozen) time, and the
 * counts of admitted and failed requests are reported.
 */
final class ConcurrentAcquirer {

    private final RateLimiter limiter;
    private final String key;
    private final int threads;
    private final int requests;

    ConcurrentAcquirer(JedisPooled client, Algorithm algorithm, String limit, String key, long nowMicros,
            int threads, int requests) {
        RedisStore store = RedisStore.builder(client).keyPrefix("two-processes:").callerTime().build();
        this.limiter = RateLimiter.builder().limit(Limit.parse(limit)).algorithm(algorithm).store(store)
                .timeSource(() -> nowMicros).failurePolicy(FailurePolicy.deny()).build();
        this.key = key;
        this.threads = threads;
        this.requests = requests;
    }

    static JedisPooled client(int port, int connections) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(connections);
        pool.setMaxIdle(connections);
        pool.setMinIdle(connections);
        return new JedisPooled(pool, new HostAndPort("127.0.0.1", port),
                DefaultJedisClientConfig.builder().socketTimeoutMillis(10_000).build());
    }

    /** Warms up (connections, script), then starts the threads, which begin when {@code go} opens. */
    Thread[] prepare(CountDownLatch go, AtomicLong allowed, AtomicLong failed) {
        limiter.peek(key);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < requests; i++) {
                    Decision d = limiter.tryAcquire(key);
                    if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
                        failed.incrementAndGet();
                    } else if (d.allowed()) {
                        allowed.incrementAndGet();
                    }
                }
            }, "acquirer-" + t);
            workers[t].start();
        }
        return workers;
    }

    /**
     * Arguments: port, algorithm, limit, key, nowMicros, threads, requests per thread. Prints {@code READY}, waits
     * for a line on stdin, runs, and prints {@code ALLOWED <n> FAILED <n>}.
     */
    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[5]);
        try (JedisPooled client = client(Integer.parseInt(args[0]), threads)) {
            ConcurrentAcquirer acquirer = new ConcurrentAcquirer(client, Algorithm.valueOf(args[1]), args[2], args[3],
                    Long.parseLong(args[4]), threads, Integer.parseInt(args[6]));
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong allowed = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Thread[] workers = acquirer.prepare(go, allowed, failed);
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            in.readLine();
            go.countDown();
            for (Thread w : workers) {
                w.join();
            }
            System.out.println("ALLOWED " + allowed.get() + " FAILED " + failed.get());
            System.out.flush();
        }
    }

    static List<String> command(int port, Algorithm algorithm, String limit, String key, long nowMicros, int threads,
            int requests) {
        List<String> command = new ArrayList<>();
        command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ConcurrentAcquirer.class.getName());
        for (Object arg : List.of(port, algorithm, limit, key, nowMicros, threads, requests)) {
            command.add(arg.toString());
        }
        return command;
    }
}
