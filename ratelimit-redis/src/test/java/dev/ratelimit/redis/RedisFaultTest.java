package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testservers.RedisProcess;
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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * The server dies or hangs while limiters are busy: the fail-open limiter allows and the fail-closed one denies,
 * each within the configured timeout; once a server is back on the same port the same limiters (same store, same
 * client) decide normally again.
 */
class RedisFaultTest {

    /** The configured timeout: the store's command timeout, or (without one) the client's socket timeout. */
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    /** What a busy 2-core machine may add to it: thread scheduling, not waiting for Redis. */
    private static final Duration SLACK = Duration.ofMillis(750);
    private static final int THREADS = 4;

    private record Call(long startNanos, long nanos, boolean failOpen, Decision decision) {
    }

    @ParameterizedTest(name = "commandTimeout={0}")
    @ValueSource(booleans = {true, false})
    void killedMidRunFailOpenAllowsFailClosedDeniesWithinTheTimeoutAndRestartRecovers(boolean commandTimeout)
            throws Exception {
        try (RedisProcess server = RedisProcess.start(); JedisPooled client = client(server)) {
            RedisStore store = store(client, commandTimeout);
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
            long killedAt = System.nanoTime();
            server.kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> failed.get() >= 200);
            stop.set(true);
            for (Future<?> w : workers) {
                w.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();

            List<Call> afterKill = calls.stream().filter(c -> c.startNanos() > killedAt).toList();
            assertThat(afterKill).hasSizeGreaterThanOrEqualTo(100);
            for (Call c : afterKill) {
                assertThat(c.decision().reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
                assertThat(c.decision().allowed()).as("fail-open allows, fail-closed denies").isEqualTo(c.failOpen());
            }
            long slowest = afterKill.stream().mapToLong(Call::nanos).max().orElseThrow();
            assertThat(Duration.ofNanos(slowest)).as("slowest call of %d after the kill", afterKill.size())
                    .isLessThanOrEqualTo(TIMEOUT.plus(SLACK));

            server.restart();
            // Pooled connections opened before the kill fail once each when next used, then are replaced:
            // recovered means every call of a long run is decided by Redis again.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> decidesNormally(open, 50));
            RateLimiter strict = limiter(store, FailurePolicy.deny(), "3/1h");
            for (int i = 0; i < 3; i++) {
                assertThat(strict.tryAcquire("after-restart").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            }
            assertThat(closed.tryAcquire("after-restart-closed").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            assertThat(strict.tryAcquire("after-restart").reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
            store.close();
        }
    }

    /** A hung server (SIGSTOP: sockets open, no answers) is where only the timeout bounds the wait. */
    @ParameterizedTest(name = "commandTimeout={0}")
    @ValueSource(booleans = {true, false})
    void aHungServerIsAStoreErrorWithinTheTimeout(boolean commandTimeout) {
        try (RedisProcess server = RedisProcess.start(); JedisPooled client = client(server)) {
            RedisStore store = store(client, commandTimeout);
            RateLimiter open = limiter(store, FailurePolicy.allow(), "1000/1h");
            RateLimiter closed = limiter(store, FailurePolicy.deny(), "5/1h");
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
            store.close();
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

    private static JedisPooled client(RedisProcess server) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(32);
        pool.setMaxWait(TIMEOUT);
        return new JedisPooled(pool, new HostAndPort("127.0.0.1", server.port()), DefaultJedisClientConfig.builder()
                .socketTimeoutMillis((int) TIMEOUT.toMillis()).connectionTimeoutMillis((int) TIMEOUT.toMillis())
                .build());
    }

    private static RedisStore store(JedisPooled client, boolean commandTimeout) {
        RedisStore.Builder builder = RedisStore.builder(client).keyPrefix("fault:");
        if (commandTimeout) {
            builder.commandTimeout(TIMEOUT);
        }
        return builder.build();
    }

    private static RateLimiter limiter(RedisStore store, FailurePolicy policy, String limit) {
        return RateLimiter.builder().limit(Limit.parse(limit)).algorithm(Algorithm.TOKEN_BUCKET).store(store)
                .failurePolicy(policy).build();
    }
}
