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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Many writers on one key: application instances (separate stores, so separate per-key memories) racing on one
 * item never admit more than the limit, and a decision that keeps losing the race gives up after
 * {@code maxAttempts} with a {@link StoreException}, which the limiter hands to its failure policy.
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
        // A long timeout: DynamoDB Local serialises writes to one item, slowly on a loaded machine, and this test
        // is about admissions, not latency.
        return DynamoDbStore.builder(client).tableName(TABLE).callerTime().verifyTable(false).maxAttempts(maxAttempts)
                .requestTimeout(Duration.ofSeconds(30)).build();
    }

    private static RateLimiter limiter(DynamoDbStore store, Algorithm algorithm, String prefix, TimeSource time,
            FailurePolicy policy) {
        return RateLimiter.builder()
                .algorithm(algorithm)
                .limits(Limit.of(40, Duration.ofHours(1)))
                .store(store)
                .timeSource(time)
                .keyPrefix(prefix)
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
                    .keyPrefix(prefix)
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
                // The loser remembers a version that the winner's write replaces.
                loserSpends.run();
                winner.tryAcquire("k");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void exhaustingTheAttemptsIsAStoreException(Algorithm algorithm) {
        String prefix = "exhaust-" + PREFIXES.incrementAndGet();
        StoreBinding loser = store(1).bind(prefix, algorithm, List.of(Limit.of(40, Duration.ofHours(1))));
        makeALoser(algorithm, prefix, () -> loser.tryAcquire("k", 1, clock.nowMicros()));
        assertThatThrownBy(() -> loser.tryAcquire("k", 1, clock.nowMicros()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("table '" + TABLE + "'")
                .hasMessageContaining("after 1 conditional writes");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void exhaustionFailsOpenOrClosedAsTheLimiterSays(Algorithm algorithm) {
        String openPrefix = "open-" + PREFIXES.incrementAndGet();
        RateLimiter open = limiter(store(1), algorithm, openPrefix, clock, FailurePolicy.allow());
        makeALoser(algorithm, openPrefix, () -> open.tryAcquire("k"));
        Decision allowed = open.tryAcquire("k");
        assertThat(allowed.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(allowed.allowed()).isTrue();

        String closedPrefix = "closed-" + PREFIXES.incrementAndGet();
        RateLimiter closed = limiter(store(1), algorithm, closedPrefix, clock, FailurePolicy.deny());
        makeALoser(algorithm, closedPrefix, () -> closed.tryAcquire("k"));
        Decision denied = closed.tryAcquire("k");
        assertThat(denied.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(denied.allowed()).isFalse();
    }
}
