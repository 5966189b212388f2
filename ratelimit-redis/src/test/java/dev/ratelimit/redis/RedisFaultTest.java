package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testservers.RedisProcess;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * The server dies or hangs while limiters are busy: the fail-open limiter allows and the fail-closed one denies,
 * each within the stated bound; the store's threads do not grow; once a server is back on the same port the same
 * limiters (same store, same client) decide normally again. Each test runs on the Jedis store (its own threads),
 * the Jedis store on the caller's thread, and the Lettuce store.
 */
class RedisFaultTest {

    /** The configured timeout: the store's timeout, or (on the caller's thread) the client's. */
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    /** What a busy 2-core machine may add to a bound: thread scheduling, not waiting for Redis. */
    private static final Duration SLACK = Duration.ofMillis(750);
    private static final int THREADS = 4;
    /** Threads the test itself may add during a stall (awaitility's polling thread, the JDK's delay thread). */
    private static final int THREAD_SLACK = 2;

    enum Mode { JEDIS_THREADS, JEDIS_CALLER_THREAD, LETTUCE }

    private record Call(long startNanos, long nanos, boolean failOpen, Decision decision) {
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void killedMidRunFailOpenAllowsFailClosedDeniesWithinTheTimeoutAndRestartRecovers(Mode mode) throws Exception {
        try (RedisProcess server = RedisProcess.start();
                TestStores.Handle handle = store(mode, server, b -> b.timeout(TIMEOUT))) {
            RateLimitStore store = handle.store();
            RateLimiter open = limiter(store, FailurePolicy.allow(), "1000000/1s");
            RateLimiter closed = limiter(store, FailurePolicy.deny(), "1000000/1s");
            Queue<Call> calls = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong healthy = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String key = "worker-" + t;
                workers.add(pool.submit(() -> {
                    for (long i = 0; !stop.get(); i++) {
                        boolean failOpen = i % 2 == 0;
                        long start = System.nanoTime();
                        Decision d = (failOpen ? open : closed).tryAcquire(key);
                        calls.add(new Call(start, System.nanoTime() - start, failOpen, d));
                        (d.reason() == Decision.Reason.STORE_UNAVAILABLE ? failed : healthy).incrementAndGet();
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> healthy.get() >= 200);
            server.kill(); // returns once the process is gone
            long killedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).until(() -> failed.get() >= 24);
            stop.set(true);
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();

            List<Call> afterKill = calls.stream().filter(c -> c.startNanos() > killedAt).toList();
            assertThat(afterKill).hasSizeGreaterThanOrEqualTo(20);
            for (Call c : afterKill) {
                assertThat(c.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
                assertThat(c.decision().allowed()).as("fail-open allows, fail-closed denies").isEqualTo(c.failOpen());
            }
            long slowest = afterKill.stream().mapToLong(Call::nanos).max().orElseThrow();
            assertThat(Duration.ofNanos(slowest)).as("slowest call of %d after the kill", afterKill.size())
                    .isLessThanOrEqualTo(TIMEOUT.plus(SLACK));

            server.restart();
            // Pooled connections opened before the kill fail once each when next used, then are replaced;
            // Lettuce reconnects by itself: recovered means every call of a long run is decided by Redis again.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> decidesNormally(open, 50));
            RateLimiter strict = limiter(store, FailurePolicy.deny(), "3/1h");
            for (int i = 0; i < 3; i++) {
                assertThat(strict.tryAcquire("after-restart").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            }
            assertThat(closed.tryAcquire("after-restart-closed").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            assertThat(strict.tryAcquire("after-restart").reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        }
    }

    /**
     * The regression of issue 12: a 5 s stall at 32 callers grew the store's unbounded pool by ~30 threads. With
     * the defaults (no timeout configured anywhere: Jedis's default client, the store's default 500 ms), a
     * SIGSTOP-ed server answers every one of 32 callers within 500 ms + slack, and the process's thread count does
     * not grow (at most {@link #THREAD_SLACK} threads the JVM may start by itself).
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"JEDIS_THREADS", "LETTUCE"})
    void aHungServerAnswersEveryOf32CallersWithinTheDefaultBoundWithoutNewThreads(Mode mode) throws Exception {
        int callers = 32;
        Duration bound = StoreSettings.DEFAULT_TIMEOUT;
        try (RedisProcess server = RedisProcess.start();
                TestStores.Handle handle = defaultStore(mode, server)) {
            RateLimiter open = limiter(handle.store(), FailurePolicy.allow(), "1000000/1s");
            RateLimiter closed = limiter(handle.store(), FailurePolicy.deny(), "1000000/1s");
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            AtomicLong pausedAt = new AtomicLong(Long.MAX_VALUE);
            AtomicLong resumedAt = new AtomicLong(Long.MAX_VALUE);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong healthy = new AtomicLong();
            AtomicLong failedWhilePaused = new AtomicLong();
            AtomicLong slowestNanos = new AtomicLong();
            AtomicInteger peakThreads = new AtomicInteger();
            Queue<String> wrong = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
                String key = "caller-" + t;
                boolean failOpen = t % 2 == 0;
                workers.add(new Thread(() -> {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        Decision d = (failOpen ? open : closed).tryAcquire(key);
                        long end = System.nanoTime();
                        long took = end - start;
                        peakThreads.accumulateAndGet(threads.getThreadCount(), Math::max);
                        // judged: calls made and answered entirely while the server was stopped
                        boolean duringPause = start > pausedAt.get() && end < resumedAt.get();
                        if (duringPause) {
                            slowestNanos.accumulateAndGet(took, Math::max);
                            if (d.reason() != Decision.Reason.STORE_UNAVAILABLE || d.allowed() != failOpen) {
                                wrong.add(key + ": " + d);
                            }
                            failedWhilePaused.incrementAndGet();
                        } else if (pausedAt.get() == Long.MAX_VALUE
                                && d.reason() != Decision.Reason.STORE_UNAVAILABLE) {
                            healthy.incrementAndGet();
                        }
                    }
                }, "caller-" + t));
            }
            workers.forEach(Thread::start);
            await().atMost(Duration.ofSeconds(20)).until(() -> healthy.get() >= 500);
            int baseline = threads.getThreadCount();
            peakThreads.set(baseline);
            server.pause();
            pausedAt.set(System.nanoTime());
            try {
                // Every caller several times over its bound: 32 callers x 4 calls of 500 ms.
                await().atMost(Duration.ofSeconds(30)).until(() -> failedWhilePaused.get() >= 4L * callers);
            } finally {
                resumedAt.set(System.nanoTime());
                server.resume();
            }
            stop.set(true);
            for (Thread w : workers) {
                w.join(10_000);
            }
            System.out.printf("RedisFaultTest %s: 32 callers on a stopped server: %d calls, slowest %d ms (bound %d ms);"
                    + " threads %d before the stall, peak %d%n", mode, failedWhilePaused.get(),
                    slowestNanos.get() / 1_000_000, bound.toMillis(), baseline, peakThreads.get());
            assertThat(wrong).as("decisions while paused that the failure policy did not give").isEmpty();
            assertThat(Duration.ofNanos(slowestNanos.get())).as("slowest of %d calls to the hung server",
                    failedWhilePaused.get()).isLessThanOrEqualTo(bound.plus(SLACK));
            assertThat(peakThreads.get()).as("threads in the process: %d before the stall", baseline)
                    .isLessThanOrEqualTo(baseline + THREAD_SLACK);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> decidesNormally(open, 50));
        }
    }

    /** A hung server (SIGSTOP: sockets open, no answers) is where only the timeout bounds the wait. */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHungServerIsAStoreErrorWithinTheTimeout(Mode mode) throws Exception {
        try (RedisProcess server = RedisProcess.start();
                TestStores.Handle handle = store(mode, server, b -> b.timeout(TIMEOUT))) {
            RateLimiter open = limiter(handle.store(), FailurePolicy.allow(), "1000/1h");
            RateLimiter closed = limiter(handle.store(), FailurePolicy.deny(), "5/1h");
            assertThat(open.tryAcquire("k").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            server.pause();
            try {
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    Decision allowed = open.tryAcquire("k");
                    Decision denied = closed.tryAcquire("k");
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(allowed.allowed()).isTrue();
                    assertThat(allowed.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
                    assertThat(denied.allowed()).isFalse();
                    assertThat(denied.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
                    assertThat(took).as("two calls").isLessThanOrEqualTo(TIMEOUT.multipliedBy(2).plus(SLACK));
                }
            } finally {
                server.resume();
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> decidesNormally(open, 50));
        }
    }

    private static boolean decidesNormally(RateLimiter limiter, int calls) {
        for (int i = 0; i < calls; i++) {
            if (limiter.tryAcquire("probe").reason() == Decision.Reason.STORE_UNAVAILABLE) {
                return false;
            }
        }
        return true;
    }

    /** The store with every option at its default, on a client with its defaults. */
    private static TestStores.Handle defaultStore(Mode mode, RedisProcess server) {
        if (mode == Mode.LETTUCE) {
            return TestStores.lettuce(server.port(), b -> b.keyPrefix("fault:"));
        }
        JedisPooled client = new JedisPooled("127.0.0.1", server.port());
        return new TestStores.Handle(RedisStore.builder(client).keyPrefix("fault:").build(), client);
    }

    private static TestStores.Handle store(Mode mode, RedisProcess server, Consumer<StoreOptions<?>> options) {
        if (mode == Mode.LETTUCE) {
            return TestStores.lettuce(server.port(), b -> options.accept(b.keyPrefix("fault:")));
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(32);
        pool.setMaxWait(TIMEOUT);
        JedisPooled client = new JedisPooled(pool, new HostAndPort("127.0.0.1", server.port()),
                DefaultJedisClientConfig.builder().socketTimeoutMillis((int) TIMEOUT.toMillis())
                        .connectionTimeoutMillis((int) TIMEOUT.toMillis()).build());
        RedisStore.Builder builder = RedisStore.builder(client).keyPrefix("fault:");
        if (mode == Mode.JEDIS_CALLER_THREAD) {
            builder.callerThreadCalls();
        } else {
            options.accept(builder);
        }
        return new TestStores.Handle(builder.build(), client);
    }

    private static RateLimiter limiter(RateLimitStore store, FailurePolicy policy, String limit) {
        return RateLimiter.builder().limit(Limit.parse(limit)).algorithm(Algorithm.TOKEN_BUCKET).store(store)
                .failurePolicy(policy).build();
    }
}
