package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TimeSource;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Many writers on one key: application instances (separate stores, so separate per-key memories) racing on one
 * item never admit more than the limit, and a decision that keeps losing the race gives up after
 * {@code maxAttempts} with a denial, whatever the failure policy (issue 12: contention is not an outage; the
 * sliding log used to give up on about 7% of decisions and the default policy admitted each of them).
 */
class ContentionTest {

    private static final String TABLE = "contention";
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static DynamoDbLocal local;
    private static DynamoDbClient client;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client();
        TestTables.createTableWithoutTtl(client, TABLE);
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static DynamoDbStore store(int maxAttempts) {
        return store(client, maxAttempts);
    }

    private static DynamoDbStore store(DynamoDbClient client, int maxAttempts) {
        // A long timeout: DynamoDB Local serialises writes to one item, slowly on a loaded machine, and this test
        // is about admissions, not latency.
        return DynamoDbStore.builder(client).tableName(TABLE).callerTime().verifyTable(false)
                .maxAttempts(maxAttempts).timeout(Duration.ofSeconds(30)).build();
    }

    private static RateLimiter limiter(DynamoDbStore store, Algorithm algorithm, String prefix, TimeSource time,
            FailurePolicy policy) {
        return RateLimiter.builder()
                .algorithm(algorithm)
                .limits(Limit.of(40, Duration.ofHours(1)))
                .store(store)
                .timeSource(time)
                .namespace(prefix)
                .failurePolicy(policy)
                .build();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void sixteenThreadsOnFourInstancesAdmitExactlyTheLimit(Algorithm algorithm) throws Exception {
        String prefix = "race-" + PREFIXES.incrementAndGet();
        List<RateLimiter> instances = new ArrayList<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 4; i++) {
            // Enough attempts that no decision gives up: this test is about admitting exactly the limit.
            instances.add(RateLimiter.builder()
                    .algorithm(algorithm)
                    .limits(Limit.of(40, Duration.ofHours(1)))
                    .store(store(1000))
                    .timeSource(clock)
                    .namespace(prefix)
                    .failurePolicy(FailurePolicy.deny())
                    .listener(new RateLimitListener() {
                        @Override
                        public void onStoreError(String limiter, String key, Throwable error, Decision decision) {
                            errors.add(error);
                        }
                    })
                    .build());
        }
        int threads = 16;
        int attemptsEach = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger storeErrors = new AtomicInteger();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                RateLimiter limiter = instances.get(t % instances.size());
                results.add(pool.submit(() -> {
                    go.await();
                    int allowed = 0;
                    for (int i = 0; i < attemptsEach; i++) {
                        Decision d = limiter.tryAcquire("hot");
                        if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
                            storeErrors.incrementAndGet();
                        } else if (d.allowed()) {
                            allowed++;
                        }
                    }
                    return allowed;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(120, TimeUnit.SECONDS);
            }
            assertThat(errors).isEmpty();
            assertThat(storeErrors).hasValue(0);
            assertThat(total).isEqualTo(40);
            assertThat(instances.get(0).peek("hot").remaining()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Brings key {@code k} of {@code prefix} into a state in which the loser's next conditional write is certain
     * to fail although the algorithm allows its request, so with {@code maxAttempts(1)} the decision must give
     * up. {@code loserSpends} makes one decision through the loser (whose store remembers what it saw).
     */
    private void makeALoser(Algorithm algorithm, String prefix, Runnable loserSpends) {
        RateLimiter winner = limiter(store(16), algorithm, prefix, clock, FailurePolicy.deny());
        switch (algorithm) {
            case FIXED_WINDOW -> {
                // An instance whose clock is one period ahead opens the next window; the reference keeps the
                // newest window, so the loser's "window <= current window" fails although the item has room.
                FakeClock ahead = new FakeClock(clock.now().plus(Duration.ofHours(1)));
                limiter(store(1), algorithm, prefix, ahead, FailurePolicy.deny()).tryAcquire("k");
            }
            case TOKEN_BUCKET -> {
                // The loser remembers a full bucket (its TAT has passed); the winner spends, so the loser's
                // "bucket full" form fails although the bucket has room.
                loserSpends.run();
                clock.advance(Duration.ofMinutes(10));
                winner.tryAcquire("k");
            }
            case SLIDING_WINDOW -> {
                // The loser remembers the previous window's count as 1; the winner makes it 2, so the loser's
                // pinned "previous = 1" fails although the window has room.
                loserSpends.run();
                winner.tryAcquire("k");
                clock.advance(Duration.ofHours(1));
            }
            case SLIDING_LOG -> {
                // The loser remembers the one slot it wrote; every other slot is then taken behind its back, so
                // whichever slot it believes free is not, while the item still has room (the loser's own slot).
                loserSpends.run();
                Map<String, AttributeValue> item = TestTables.readItem(client, TABLE,
                        TestTables.pk(prefix, algorithm, "k"));
                String own = item.keySet().stream().filter(name -> name.startsWith("l0_")).findFirst().orElseThrow();
                item.remove(own);
                for (int j = 0; j < 40; j++) {
                    String name = SlidingLogLayout.slot(0, j);
                    if (!name.equals(own)) {
                        item.put(name, AttributeValue.fromN(Long.toString(clock.nowMicros())));
                    }
                }
                item.put("v", AttributeValue.fromN("7"));
                TestTables.writeItem(client, TABLE, item);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void exhaustingTheAttemptsIsADenialNotAnError(Algorithm algorithm) {
        String prefix = "exhaust-" + PREFIXES.incrementAndGet();
        Limit limit = Limit.of(40, Duration.ofHours(1));
        StoreBinding loser = store(1).bind(prefix, algorithm, List.of(limit));
        makeALoser(algorithm, prefix, () -> loser.tryAcquire("k", 1, clock.nowMicros()));
        Decision d = loser.tryAcquire("k", 1, clock.nowMicros());
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        // What it saw had room; the advice is one emission interval of the limit, 1 h / 40.
        assertThat(d.remaining()).isPositive();
        assertThat(d.retryAfterMicros()).isEqualTo(90_000_000L);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void exhaustionDeniesWhateverTheFailurePolicy(Algorithm algorithm) {
        for (FailurePolicy policy : List.of(FailurePolicy.allow(), FailurePolicy.deny())) {
            String prefix = "policy-" + PREFIXES.incrementAndGet();
            RateLimiter limiter = limiter(store(1), algorithm, prefix, clock, policy);
            makeALoser(algorithm, prefix, () -> limiter.tryAcquire("k"));
            Decision d = limiter.tryAcquire("k");
            assertThat(d.reason()).as("%s", policy).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
            assertThat(d.allowed()).as("%s", policy).isFalse();
        }
    }

    @Test
    void aPenaltyThatLosesEveryRaceIsAStoreException() {
        String prefix = "adjust-" + PREFIXES.incrementAndGet();
        StoreBinding loser = store(1).bind(prefix, Algorithm.SLIDING_LOG, List.of(Limit.of(40, Duration.ofHours(1))));
        StoreBinding winner = store(16).bind(prefix, Algorithm.SLIDING_LOG, List.of(Limit.of(40, Duration.ofHours(1))));
        loser.tryAcquire("k", 1, clock.nowMicros());
        winner.adjust("k", 1, clock.nowMicros());
        assertThatThrownBy(() -> loser.adjust("k", 1, clock.nowMicros()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("table '" + TABLE + "'")
                .hasMessageContaining("after 1 conditional writes");
    }

    /**
     * Issue 12's scenario: two processes of eight threads on one key, the default 16 attempts, and the failure
     * policy that admits on a store error. Never more than the limit, no store errors, and the requests per
     * decision (counted on the wire) stay low.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void sixteenWritersOnOneKeyNeverExceedTheLimitUnderAFailOpenPolicy(Algorithm algorithm) throws Exception {
        String prefix = "busy-" + PREFIXES.incrementAndGet();
        int limit = 300;
        RequestLog requests = new RequestLog();
        List<RateLimiter> processes = new ArrayList<>();
        List<DynamoDbClient> clients = new ArrayList<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int p = 0; p < 2; p++) {
            DynamoDbClient own = local.client(requests);
            clients.add(own);
            processes.add(RateLimiter.builder()
                    .algorithm(algorithm)
                    .limits(Limit.of(limit, Duration.ofHours(1)))
                    .store(store(own, 16))
                    .timeSource(clock)
                    .namespace(prefix)
                    .failurePolicy(FailurePolicy.allow())
                    .listener(new RateLimitListener() {
                        @Override
                        public void onStoreError(String limiter, String key, Throwable error, Decision decision) {
                            errors.add(error);
                        }
                    })
                    .build());
        }
        int threads = 16;
        int attemptsEach = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                RateLimiter process = processes.get(t % 2);
                results.add(pool.submit(() -> {
                    go.await();
                    int allowed = 0;
                    for (int i = 0; i < attemptsEach; i++) {
                        if (process.tryAcquire("hot").allowed()) {
                            allowed++;
                        }
                    }
                    return allowed;
                }));
            }
            requests.clear();
            go.countDown();
            int admitted = 0;
            for (Future<Integer> result : results) {
                admitted += result.get(300, TimeUnit.SECONDS);
            }
            double perDecision = requests.count() / (double) (threads * attemptsEach);
            System.out.printf("%s, 16 writers on one key: %d admitted of %d decisions (limit %d), %.2f requests"
                    + " per decision%n", algorithm, admitted, threads * attemptsEach, limit, perDecision);
            assertThat(errors).isEmpty();
            assertThat(admitted).isLessThanOrEqualTo(limit);
            // 400 decisions for 300 permits: losing races must not cost more than the 100 spare decisions.
            assertThat(admitted).isEqualTo(limit);
            assertThat(perDecision).isLessThan(3.0);
        } finally {
            pool.shutdownNow();
            clients.forEach(DynamoDbClient::close);
        }
    }
}
