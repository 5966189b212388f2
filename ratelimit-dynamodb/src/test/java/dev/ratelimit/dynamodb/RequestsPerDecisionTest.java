package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Counts the HTTP requests each decision sends (an {@link software.amazon.awssdk.core.interceptor.ExecutionInterceptor}
 * on the client, so SDK retries would count too). These numbers are the ones the module README lists.
 */
class RequestsPerDecisionTest {

    private static final String TABLE = "requests";
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static DynamoDbLocal local;
    private static final RequestLog LOG = new RequestLog();
    private static DynamoDbClient client;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client(LOG);
        TestTables.createTableWithoutTtl(client, TABLE);
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    /** A new store, as a separate application instance would have: nothing remembered about any key. */
    private static DynamoDbStore instance() {
        return DynamoDbStore.builder(client).tableName(TABLE).callerTime().verifyTable(false).timeout(Duration.ofSeconds(10))
                .build();
    }

    private RateLimiter limiter(DynamoDbStore store, Algorithm algorithm, String prefix) {
        return RateLimiter.builder()
                .algorithm(algorithm)
                .limits(Limit.of(3, Duration.ofSeconds(1)), Limit.of(10, Duration.ofMinutes(1)))
                .store(store)
                .timeSource(clock)
                .namespace(prefix)
                .failurePolicy(FailurePolicy.deny())
                .build();
    }

    private static Decision counted(List<String> expected, Supplier<Decision> call) {
        LOG.clear();
        Decision d = call.get();
        assertThat(LOG.operations()).as("requests for %s", d).isEqualTo(expected);
        return d;
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW", "TOKEN_BUCKET"})
    void exactlyOneUpdateItemPerDecisionAllowedAndDenied(Algorithm algorithm) {
        RateLimiter limiter = limiter(instance(), algorithm, "one-" + PREFIXES.incrementAndGet());
        int allowed = 0;
        int denied = 0;
        // 3/s and 10/min on two keys, with 1 or 2 permits, steps of 0 to 700 ms: fresh keys, full and partly
        // refilled buckets, new windows of one limit while the other is exhausted, and denials of both.
        long[] steps = {0, 0, 0, 0, 100, 0, 700, 0, 0, 350, 350, 0, 20, 0, 0, 700, 0, 0, 0, 500, 0};
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < steps.length; i++) {
                String key = (i % 3 == 0) ? "b" : "a";
                long permits = 1 + (i + round) % 2;
                Decision d = counted(List.of("UpdateItem"), () -> limiter.tryAcquire(key, permits));
                if (d.allowed()) {
                    allowed++;
                } else {
                    denied++;
                }
                clock.advanceMicros(steps[i] * 1_000);
            }
            clock.advanceMicros(61_000_000);
        }
        assertThat(allowed).as("allowed decisions").isGreaterThan(10);
        assertThat(denied).as("denied decisions").isGreaterThan(10);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW", "TOKEN_BUCKET"})
    void aDenialCostsOneRequestEvenOnAnInstanceThatHasNeverSeenTheKey(Algorithm algorithm) {
        String prefix = "cold-" + PREFIXES.incrementAndGet();
        RateLimiter first = limiter(instance(), algorithm, prefix);
        first.tryAcquire("k", 3);
        RateLimiter second = limiter(instance(), algorithm, prefix);
        Decision d = counted(List.of("UpdateItem"), () -> second.tryAcquire("k"));
        assertThat(d.allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW", "TOKEN_BUCKET"})
    void anAllowedDecisionOnAKeyAnotherInstanceIsSpendingCosts(Algorithm algorithm) {
        String prefix = "shared-" + PREFIXES.incrementAndGet();
        RateLimiter first = limiter(instance(), algorithm, prefix);
        RateLimiter second = limiter(instance(), algorithm, prefix);
        first.tryAcquire("k");
        // Fixed window needs no guess: the window's count is addressed by name. Sliding window guesses the
        // previous window's count (0 here, rightly: all traffic is in this window). A token bucket's update has
        // two forms (bucket full or not) and the second instance guesses "full": the failed condition's ALL_OLD
        // shows the right form, and the retry lands. So one request, or two for a token bucket whose last
        // spender was another instance.
        List<String> expected = algorithm != Algorithm.TOKEN_BUCKET
                ? List.of("UpdateItem") : List.of("UpdateItem", "UpdateItem");
        assertThat(counted(expected, () -> second.tryAcquire("k")).allowed()).isTrue();
        // Once seen, the key is cheap again for the second instance.
        assertThat(counted(List.of("UpdateItem"), () -> second.tryAcquire("k")).allowed()).isTrue();
    }

    @Test
    void slidingWindowGuessesThePreviousWindowsCountAndPaysOneRetryWhenWrong() {
        String prefix = "previous-" + PREFIXES.incrementAndGet();
        RateLimiter first = limiter(instance(), Algorithm.SLIDING_WINDOW, prefix);
        first.tryAcquire("k", 2);
        // Half-way into the next second: the previous window's 2 weigh 1.
        clock.advanceMicros(1_500_000);
        // The first instance knows the previous window's count (2): one request.
        assertThat(counted(List.of("UpdateItem"), () -> first.tryAcquire("k")).allowed()).isTrue();
        // A new instance guesses 0, the condition fails, ALL_OLD shows 2, and the retry lands.
        RateLimiter second = limiter(instance(), Algorithm.SLIDING_WINDOW, prefix);
        assertThat(counted(List.of("UpdateItem", "UpdateItem"), () -> second.tryAcquire("k")).allowed()).isTrue();
        assertThat(counted(List.of("UpdateItem"), () -> second.tryAcquire("k")).allowed()).isFalse();
    }

    @Test
    void slidingLogUncontended() {
        String prefix = "sliding-" + PREFIXES.incrementAndGet();
        RateLimiter limiter = limiter(instance(), Algorithm.SLIDING_LOG, prefix);
        // A new key: one conditional UpdateItem writing free slots, no read first.
        assertThat(counted(List.of("UpdateItem"), () -> limiter.tryAcquire("k")).allowed()).isTrue();
        // Allowed on a key this instance knows: one UpdateItem into slots it knows to be free.
        assertThat(counted(List.of("UpdateItem"), () -> limiter.tryAcquire("k", 2)).allowed()).isTrue();
        // Denied: nothing to write, but the remembered item may be stale (another instance may have refunded
        // or reset), so the denial is confirmed by one consistent GetItem.
        assertThat(counted(List.of("GetItem"), () -> limiter.tryAcquire("k")).allowed()).isFalse();
        assertThat(counted(List.of("GetItem"), () -> limiter.tryAcquire("k")).allowed()).isFalse();
        clock.advanceMicros(2_500_000);
        assertThat(counted(List.of("UpdateItem"), () -> limiter.tryAcquire("k")).allowed()).isTrue();
        // An instance that has never seen the key believes every slot free: its update lands if the slot it
        // picks is free (two of the three slots of 3/s are), else the failed condition returns the item and the
        // second update lands.
        RateLimiter other = limiter(instance(), Algorithm.SLIDING_LOG, prefix);
        LOG.clear();
        assertThat(other.tryAcquire("k").allowed()).isTrue();
        assertThat(LOG.operations()).containsOnly("UpdateItem").hasSizeBetween(1, 2);
        // A full key seen for the first time: whatever slot it picks is taken, and the failure is the denial.
        RateLimiter third = limiter(instance(), Algorithm.SLIDING_LOG, prefix);
        third.tryAcquire("full", 3);
        RateLimiter fourth = limiter(instance(), Algorithm.SLIDING_LOG, prefix);
        assertThat(counted(List.of("UpdateItem"), () -> fourth.tryAcquire("full")).allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void peekPenaltyRefundAndResetCostOneRequestEach(Algorithm algorithm) {
        RateLimiter limiter = limiter(instance(), algorithm, "ops-" + PREFIXES.incrementAndGet());
        limiter.tryAcquire("k");
        assertThat(counted(List.of("GetItem"), () -> limiter.peek("k")).remaining()).isEqualTo(2);
        assertThat(counted(List.of("PutItem"), () -> limiter.penalize("k", 1)).remaining()).isEqualTo(1);
        assertThat(counted(List.of("PutItem"), () -> limiter.refund("k", 2)).remaining()).isEqualTo(3);
        LOG.clear();
        limiter.reset("k");
        assertThat(LOG.operations()).containsExactly("DeleteItem");
    }
}
