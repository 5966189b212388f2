package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;

/**
 * Coalescing is exactly as correct as one by one: 48 threads x 50 requests on one key, all at one (frozen) time,
 * give the same multiset of decisions (admitted, remaining, resetAfter, retryAfter) as the reference transition
 * applied 2,400 times in a row, which is what "equivalent to the same decisions one by one in some order" means
 * when every request is alike. And coalescing happens: for the algorithms that combine, Redis ran fewer script
 * evaluations than there were decisions (counted by {@code INFO commandstats}).
 */
class RedisCoalescingTest {

    private static final int THREADS = 48;
    private static final int PER_THREAD = 50;
    private static final long NOW = 1_700_000_000_000_000L;

    enum Client { JEDIS_ONE_THREAD, LETTUCE }

    static Stream<Arguments> cases() {
        return Stream.of(Client.values()).flatMap(c -> Stream.of(Algorithm.values()).flatMap(a -> Stream.of(
                Arguments.of(c, a, List.of(Limit.parse("1000/1h"))),
                Arguments.of(c, a, List.of(Limit.parse("1000/1h"), Limit.parse("1500/1d"))))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void concurrentDecisionsOnOneKeyEqualTheReferenceOneByOne(Client client, Algorithm algorithm, List<Limit> limits)
            throws Exception {
        String prefix = "coalescing-" + client + "-" + algorithm + "-" + System.nanoTime() + ":";
        JedisPooled jedis = new JedisPooled("127.0.0.1", TestRedis.standalone().port());
        TestStores.Handle handle = client == Client.LETTUCE
                ? TestStores.lettuce(TestRedis.standalone().port(), b -> b.keyPrefix(prefix).callerTime())
                : new TestStores.Handle(RedisStore.builder(jedis).keyPrefix(prefix).callerTime().threads(1).build(),
                        jedis);
        try (handle; Jedis admin = new Jedis("127.0.0.1", TestRedis.standalone().port())) {
            RateLimiter limiter = RateLimiter.builder().limits(limits).algorithm(algorithm).store(handle.store())
                    .timeSource(() -> NOW).failurePolicy(FailurePolicy.deny()).build();
            limiter.peek("warm-up");
            long evaluationsBefore = evalshaCalls(admin);
            ConcurrentLinkedQueue<Decision> decisions = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < PER_THREAD; i++) {
                        decisions.add(limiter.tryAcquire("hot"));
                    }
                });
                thread.start();
                threads.add(thread);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            long evaluations = evalshaCalls(admin) - evaluationsBefore;

            StateTransition reference = StateTransition.of(algorithm);
            long[] state = null;
            Map<Decision, Integer> expected = new HashMap<>();
            for (int i = 0; i < THREADS * PER_THREAD; i++) {
                StateTransition.Result r = reference.apply(state, limits, 1, NOW);
                state = r.state();
                expected.merge(r.decision(), 1, Integer::sum);
            }
            Map<Decision, Integer> actual = new HashMap<>();
            for (Decision d : decisions) {
                actual.merge(d, 1, Integer::sum);
            }
            assertThat(actual).isEqualTo(expected);
            System.out.printf("RedisCoalescingTest %s %s %s: %d decisions in %d script evaluations%n", client,
                    algorithm, limits, decisions.size(), evaluations);
            if (algorithm != Algorithm.SLIDING_LOG) {
                assertThat(evaluations).as("evaluations for %d decisions", decisions.size())
                        .isLessThan(decisions.size());
            }
        }
    }

    /** A script flush under a batch: the combined evaluations get NOSCRIPT, load the script and are retried. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Client.class)
    void afterAScriptFlushEveryCallOfABatchIsDecided(Client client) throws Exception {
        String prefix = "coalescing-flush-" + client + "-" + System.nanoTime() + ":";
        JedisPooled jedis = new JedisPooled("127.0.0.1", TestRedis.standalone().port());
        TestStores.Handle handle = client == Client.LETTUCE
                ? TestStores.lettuce(TestRedis.standalone().port(), b -> b.keyPrefix(prefix))
                : new TestStores.Handle(RedisStore.builder(jedis).keyPrefix(prefix).threads(1).build(), jedis);
        try (handle; Jedis admin = new Jedis("127.0.0.1", TestRedis.standalone().port())) {
            RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("100/1h")).store(handle.store())
                    .failurePolicy(FailurePolicy.deny()).build();
            for (int round = 0; round < 3; round++) {
                admin.scriptFlush();
                List<CompletableFuture<Decision>> futures = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    futures.add(limiter.tryAcquireAsync(i % 2 == 0 ? "hot" : "key-" + i).toCompletableFuture());
                }
                for (CompletableFuture<Decision> f : futures) {
                    assertThat(f.get(10, TimeUnit.SECONDS).reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
                }
            }
            assertThat(limiter.peek("hot").remaining()).as("60 of 100 spent on the hot key").isEqualTo(40);
        }
    }

    /**
     * Different keys in one batch are one multi-key evaluation, exactly as correct as one by one: two limiters of
     * one algorithm (limits of 5 and of 3), 16 keys each, 8 acquires per key, all issued at once and interleaved
     * (so one evaluation switches between the limiters' arguments), give each key its own limit's reference
     * sequence of decisions; a key holding a hash (the script's GET fails with WRONGTYPE) fails its own calls only;
     * and Redis ran fewer evaluations than there were calls.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("clientsAndAlgorithms")
    void differentKeysInOneEvaluationAreDecidedAsOneByOne(Client client, Algorithm algorithm) throws Exception {
        String prefix = "multikey-" + client + "-" + algorithm + "-" + System.nanoTime() + ":";
        JedisPooled jedis = new JedisPooled("127.0.0.1", TestRedis.standalone().port());
        TestStores.Handle handle = client == Client.LETTUCE
                ? TestStores.lettuce(TestRedis.standalone().port(), b -> b.keyPrefix(prefix).callerTime())
                : new TestStores.Handle(RedisStore.builder(jedis).keyPrefix(prefix).callerTime().threads(1).build(),
                        jedis);
        List<List<Limit>> limits = List.of(List.of(Limit.parse("5/1h")), List.of(Limit.parse("3/1h")));
        try (handle; Jedis admin = new Jedis("127.0.0.1", TestRedis.standalone().port())) {
            List<RedisBinding> bindings = List.of(
                    (RedisBinding) handle.store().bind("five", algorithm, limits.get(0)),
                    (RedisBinding) handle.store().bind("three", algorithm, limits.get(1)));
            bindings.get(0).peek("warm-up", NOW);
            admin.hset(bindings.get(0).redisKey("poisoned"), "not".getBytes(StandardCharsets.UTF_8),
                    "a rate-limit state".getBytes(StandardCharsets.UTF_8));
            long evaluationsBefore = evalshaCalls(admin);
            int keys = 16;
            int perKey = 8;
            // futures[b][k]: limiter b, key k (k == keys: the poisoned key, on limiter 0 only)
            List<List<List<CompletableFuture<Decision>>>> futures = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                futures.add(new ArrayList<>());
                for (int k = 0; k <= keys; k++) {
                    futures.get(b).add(new ArrayList<>());
                }
            }
            int calls = 0;
            for (int i = 0; i < perKey; i++) {
                for (int k = 0; k <= keys; k++) {
                    for (int b = 0; b < 2; b++) {
                        if (k == keys && b == 1) {
                            continue;
                        }
                        String key = k == keys ? "poisoned" : "key-" + k;
                        futures.get(b).get(k).add(bindings.get(b).tryAcquireAsync(key, 1, NOW).toCompletableFuture());
                        calls++;
                    }
                }
            }
            StateTransition reference = StateTransition.of(algorithm);
            for (int b = 0; b < 2; b++) {
                List<Decision> expected = new ArrayList<>();
                long[] state = null;
                for (int i = 0; i < perKey; i++) {
                    StateTransition.Result r = reference.apply(state, limits.get(b), 1, NOW);
                    state = r.state();
                    expected.add(r.decision());
                }
                for (int k = 0; k < keys; k++) {
                    List<Decision> actual = new ArrayList<>();
                    for (CompletableFuture<Decision> f : futures.get(b).get(k)) {
                        actual.add(f.get(10, TimeUnit.SECONDS));
                    }
                    assertThat(actual).as("limiter %d, key-%d, its calls in the order they were made", b, k)
                            .isEqualTo(expected);
                }
            }
            for (CompletableFuture<Decision> f : futures.get(0).get(keys)) {
                assertThat(f).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                        .havingCause().isInstanceOf(StoreException.class).withMessageContaining("WRONGTYPE");
            }
            long evaluations = evalshaCalls(admin) - evaluationsBefore;
            assertThat(evaluations).as("evaluations for %d calls", calls).isLessThan(calls);
        }
    }

    static Stream<Arguments> clientsAndAlgorithms() {
        return Stream.of(Client.values()).flatMap(c -> Stream.of(Algorithm.values()).map(a -> Arguments.of(c, a)));
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
}
