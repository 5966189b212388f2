package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.JedisPooled;

/**
 * {@code tryAcquireAsync} at 10,000 calls in flight: issued from one thread without waiting, answered without a
 * thread per call (the process's thread count does not move beyond what the store owns), exactly as correct as
 * one by one (10,000 calls on one key of limit 5,000 admit exactly 5,000), and, on the Lettuce store, answered in
 * the order they were made. On a stopped server every one of them is answered by the failure policy within the
 * timeout.
 */
class RedisAsyncTest {

    private static final int CALLS = 10_000;
    private static final Duration SLACK = Duration.ofSeconds(3);

    enum Mode { JEDIS_THREADS, LETTUCE }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void tenThousandCallsInFlightWithNoThreadPerCall(Mode mode) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (TestStores.Handle handle = store(mode, TestRedis.standalone(), Duration.ofSeconds(10))) {
            RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("5000/1h")).algorithm(Algorithm.TOKEN_BUCKET)
                    .store(handle.store()).failurePolicy(FailurePolicy.deny()).timeout(Duration.ofSeconds(10)).build();
            assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
            int before = threads.getThreadCount();
            AtomicInteger completed = new AtomicInteger();
            int[] completionRank = new int[CALLS];
            List<CompletableFuture<Decision>> futures = new ArrayList<>(CALLS);
            long start = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                int issued = i;
                futures.add(limiter.tryAcquireAsync("hot").toCompletableFuture()
                        .whenComplete((d, e) -> completionRank[issued] = completed.getAndIncrement()));
            }
            long issuing = System.nanoTime() - start;
            int during = threads.getThreadCount();
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            long all = System.nanoTime() - start;
            int after = threads.getThreadCount();

            long allowed = futures.stream().filter(f -> f.join().allowed()).count();
            assertThat(futures).allSatisfy(f -> assertThat(f.join().reason()).isIn(
                    Decision.Reason.WITHIN_LIMIT, Decision.Reason.LIMIT_EXCEEDED));
            assertThat(allowed).as("admitted of %d on a limit of 5,000", CALLS).isEqualTo(5_000);
            assertThat(Math.max(during, after)).as("threads: %d before the calls", before).isLessThanOrEqualTo(before + 1);
            System.out.printf("RedisAsyncTest %s: %d calls issued in %d ms, all answered in %d ms; threads %d before,"
                    + " %d while in flight, %d after; the store owns %d%n", mode, CALLS, issuing / 1_000_000,
                    all / 1_000_000, before, during, after, ownedThreads(handle.store()));
            if (mode == Mode.LETTUCE) {
                // One connection, one key: decided and completed in the order the calls were made.
                for (int i = 0; i < CALLS; i++) {
                    Decision d = futures.get(i).join();
                    assertThat(d.allowed()).as("call %d", i).isEqualTo(i < 5_000);
                    assertThat(completionRank[i]).as("completion rank of call %d", i).isEqualTo(i);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void onAStoppedServerEveryCallInFlightIsAnsweredByThePolicyWithinTheTimeout(Mode mode) throws Exception {
        Duration timeout = Duration.ofMillis(300);
        try (RedisProcess server = RedisProcess.start(); TestStores.Handle handle = store(mode, server, timeout)) {
            RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1000000/1s")).store(handle.store())
                    .failurePolicy(FailurePolicy.deny()).build();
            assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
            server.pause();
            try {
                List<CompletableFuture<Decision>> futures = new ArrayList<>(CALLS);
                long start = System.nanoTime();
                for (int i = 0; i < CALLS; i++) {
                    futures.add(limiter.tryAcquireAsync("k" + (i % 100)).toCompletableFuture());
                }
                long issued = System.nanoTime() - start;
                CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
                        .get(timeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                System.out.printf("RedisAsyncTest %s: %d calls to a stopped server issued in %d ms, all answered by"
                        + " the failure policy after %d ms (timeout %d ms)%n", mode, CALLS, issued / 1_000_000,
                        took.toMillis(), timeout.toMillis());
                assertThat(futures).allSatisfy(f -> {
                    assertThat(f.join().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
                    assertThat(f.join().allowed()).isFalse();
                });
                assertThat(took).isLessThanOrEqualTo(timeout.plus(SLACK));
            } finally {
                server.resume();
            }
        }
    }

    private static int ownedThreads(RateLimitStore store) {
        return store instanceof RedisStore r ? r.ownedThreads() : ((LettuceRedisStore) store).ownedThreads();
    }

    private static TestStores.Handle store(Mode mode, RedisProcess server, Duration timeout) {
        if (mode == Mode.LETTUCE) {
            return TestStores.lettuce(server.port(), b -> b.keyPrefix("async-lettuce-" + System.nanoTime() + ":").timeout(timeout));
        }
        JedisPooled jedis = new JedisPooled("127.0.0.1", server.port());
        return new TestStores.Handle(RedisStore.builder(jedis).keyPrefix("async-jedis-" + System.nanoTime() + ":").timeout(timeout).build(),
                jedis);
    }
}
