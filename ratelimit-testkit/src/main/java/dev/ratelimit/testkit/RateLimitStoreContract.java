package dev.ratelimit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link RateLimitStore} must have, as a JUnit 5 suite driven by a {@link FakeClock}.
 *
 * <p>A store module runs it by extending this class and returning its store:
 * <pre>{@code
 * class RedisStoreContractTest extends RateLimitStoreContract {
 *     @Override
 *     protected RateLimitStore store() {
 *         return RedisStore.builder(jedis).callerTime().build();
 *     }
 * }
 * }</pre>
 * The store must use the limiter's time (not its own clock) so the suite can drive it. Each test uses a fresh
 * namespace, so one store (and one server) can serve the whole suite. The central test,
 * {@link #decisionsEqualTheReference}, replays seeded random request sequences and requires every decision to
 * equal {@link StateTransition}'s; the others pin named behaviours so a failure says what broke.
 *
 * <p>Not thread-safe: JUnit makes one instance per test, and each test drives its own {@link #clock}. The store
 * under test must be thread-safe: some tests call it from several threads.
 */
public abstract class RateLimitStoreContract {

    private static final AtomicLong NAMESPACES = new AtomicLong();
    private static final String RUN = Long.toString(System.nanoTime() & 0xFFFFFF, 36);

    /** The clock every limiter in the suite reads; starts at {@link FakeClock#DEFAULT_START}. */
    protected final FakeClock clock = new FakeClock();

    /**
     * The store under test. Called once per limiter the suite builds; it may return the same instance each time.
     *
     * @return a store that uses the limiter's time (so {@link #clock} drives it)
     */
    protected abstract RateLimitStore store();

    /**
     * The largest limits and times the store evaluates exactly, as its documentation states; the random replay
     * draws limits within them, and just past them for the rejection check. The default is
     * {@link StoreBounds#core()}; a store with tighter bounds (Redis's Lua numbers are doubles) overrides it.
     *
     * @return the store's documented bounds
     */
    protected StoreBounds storeBounds() {
        return StoreBounds.core();
    }

    /**
     * A limiter on {@link #store()} in a namespace no other test uses, reading {@link #clock}, failing closed.
     *
     * @param algorithm the algorithm the limits are counted with
     * @param limits the limits, all of which must allow a request
     * @return a new limiter
     */
    protected RateLimiter limiter(Algorithm algorithm, Limit... limits) {
        return limiterIn("contract-" + RUN + "-" + NAMESPACES.incrementAndGet(), algorithm, limits);
    }

    /**
     * A limiter on {@link #store()} in {@code namespace}, reading {@link #clock}, failing closed: two limiters
     * built with one namespace share their keys' consumption (see {@link RateLimiter}).
     *
     * @param namespace the namespace, shared with other limiters built with it
     * @param algorithm the algorithm the limits are counted with
     * @param limits the limits, all of which must allow a request
     * @return a new limiter
     */
    protected RateLimiter limiterIn(String namespace, Algorithm algorithm, Limit... limits) {
        return RateLimiter.builder()
                .algorithm(algorithm)
                .limits(limits)
                .store(store())
                .timeSource(clock)
                .namespace(namespace)
                .failurePolicy(FailurePolicy.deny())
                .build();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void admitsExactlyTheLimitThenDenies(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(5, Duration.ofSeconds(10)));
        for (int i = 4; i >= 0; i--) {
            Decision d = limiter.tryAcquire("k");
            assertThat(d.allowed()).as("request %d", 5 - i).isTrue();
            assertThat(d.reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            assertThat(d.remaining()).isEqualTo(i);
            assertThat(d.retryAfterMicros()).isZero();
        }
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        assertThat(denied.remaining()).isZero();
        assertThat(denied.retryAfterMicros()).isPositive();
        assertThat(denied.deniedBy()).contains(Limit.of(5, Duration.ofSeconds(10)));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void retryingAtRetryAfterSucceedsAndOneMicrosecondEarlierFails(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(3, Duration.ofSeconds(1)));
        clock.advanceMicros(123_457);
        for (int round = 0; round < 4; round++) {
            Decision denied;
            do {
                denied = limiter.tryAcquire("k");
                clock.advanceMicros(71_111);
            } while (denied.allowed());
            clock.advanceMicros(-71_111);
            long wait = denied.retryAfterMicros();
            clock.advanceMicros(wait - 1);
            assertThat(limiter.tryAcquire("k").allowed()).as("round %d, 1us before retryAfter=%d", round, wait)
                    .isFalse();
            clock.advanceMicros(1);
            assertThat(limiter.tryAcquire("k").allowed()).as("round %d, at retryAfter=%d", round, wait).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void retryAfterIsExactWithSeveralPermitsAndSeveralLimits(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(4, Duration.ofMillis(700)), Limit.of(9, Duration.ofSeconds(5)));
        Random random = new Random(42);
        int checked = 0;
        for (int i = 0; i < 200 && checked < 12; i++) {
            long permits = 1 + random.nextInt(3);
            Decision d = limiter.tryAcquire("k", permits);
            if (!d.allowed()) {
                long wait = d.retryAfterMicros();
                clock.advanceMicros(wait - 1);
                assertThat(limiter.tryAcquire("k", permits).allowed()).as("1us before %s", d).isFalse();
                clock.advanceMicros(1);
                assertThat(limiter.tryAcquire("k", permits).allowed()).as("at retryAfter of %s", d).isTrue();
                checked++;
            }
            clock.advanceMicros(random.nextInt(150_000));
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void keysAreIndependent(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(2, Duration.ofMinutes(1)));
        assertThat(limiter.tryAcquire("a", 2).allowed()).isTrue();
        assertThat(limiter.tryAcquire("a").allowed()).isFalse();
        assertThat(limiter.tryAcquire("b", 2).allowed()).isTrue();
        assertThat(limiter.tryAcquire("ab").remaining()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void limitersWithDifferentPrefixesDoNotShareState(Algorithm algorithm) {
        RateLimiter one = limiter(algorithm, Limit.of(1, Duration.ofMinutes(1)));
        RateLimiter two = limiter(algorithm, Limit.of(1, Duration.ofMinutes(1)));
        assertThat(one.tryAcquire("k").allowed()).isTrue();
        assertThat(two.tryAcquire("k").allowed()).isTrue();
        assertThat(one.tryAcquire("k").allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void resetRestoresTheFullAllowance(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(3, Duration.ofHours(1)));
        limiter.tryAcquire("k", 3);
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        limiter.reset("k");
        Decision after = limiter.tryAcquire("k");
        assertThat(after.allowed()).isTrue();
        assertThat(after.remaining()).isEqualTo(2);
        limiter.reset("never-used");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void peekSpendsNothing(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(3, Duration.ofMinutes(1)));
        Decision fresh = limiter.peek("k");
        assertThat(fresh.allowed()).isTrue();
        assertThat(fresh.remaining()).isEqualTo(3);
        assertThat(fresh.resetAfterMicros()).isZero();
        limiter.tryAcquire("k", 2);
        for (int i = 0; i < 3; i++) {
            Decision peeked = limiter.peek("k");
            assertThat(peeked.remaining()).isEqualTo(1);
            assertThat(peeked.resetAfterMicros()).isPositive();
        }
        assertThat(limiter.tryAcquire("k").remaining()).isZero();
        assertThat(limiter.peek("k").remaining()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void severalPermitsAreSpentTogether(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(5, Duration.ofMinutes(1)));
        assertThat(limiter.tryAcquire("k", 3).remaining()).isEqualTo(2);
        Decision tooMany = limiter.tryAcquire("k", 3);
        assertThat(tooMany.allowed()).isFalse();
        assertThat(tooMany.remaining()).isEqualTo(2);
        assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aRequestLargerThanTheCapacityIsDeniedAsSuchAndSpendsNothing(Algorithm algorithm) throws Exception {
        RateLimiter limiter = limiter(algorithm, Limit.of(5, Duration.ofMinutes(1)));
        Decision d = limiter.tryAcquire("k", 6);
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo(Decision.Reason.EXCEEDS_CAPACITY);
        assertThat(d.retryAfterMicros()).isEqualTo(Decision.NEVER_MICROS);
        assertThat(limiter.acquire("k", 6, Duration.ofDays(1)).reason())
                .isEqualTo(Decision.Reason.EXCEEDS_CAPACITY);
        assertThat(clock.sleeps()).isEmpty();
        assertThat(limiter.tryAcquire("k", 5).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void severalLimitsSpendOnAllOrNone(Algorithm algorithm) {
        Limit perSecond = Limit.of(2, Duration.ofSeconds(1));
        Limit perMinute = Limit.of(3, Duration.ofMinutes(1));
        RateLimiter limiter = limiter(algorithm, perSecond, perMinute);
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        Decision second = limiter.tryAcquire("k");
        assertThat(second.allowed()).isTrue();
        assertThat(second.limit()).isEqualTo(perSecond);
        assertThat(second.remaining()).isZero();
        Decision third = limiter.tryAcquire("k");
        assertThat(third.allowed()).isFalse();
        assertThat(third.deniedBy()).contains(perSecond);
        // The denied request spent nothing on the minute limit: one more fits once the second has passed.
        clock.advance(Duration.ofSeconds(2));
        Decision fourth = limiter.tryAcquire("k");
        assertThat(fourth.allowed()).isTrue();
        assertThat(fourth.limit()).isEqualTo(perMinute);
        assertThat(fourth.remaining()).isZero();
        Decision fifth = limiter.tryAcquire("k");
        assertThat(fifth.allowed()).isFalse();
        assertThat(fifth.deniedBy()).contains(perMinute);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void hugeUnicodeAndLookAlikeKeysAreDistinct(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(1, Duration.ofMinutes(1)));
        String huge = "x".repeat(5_000);
        List<String> keys = List.of(huge, huge + "y", "用户-🙂", "用户-🙁", "a:b", "a", "a:", ":a", "{a}", "{a}b",
                "a b", "a\u0000b", "a\nb", "*", "?", "[x]", "\\", "é", "e\u0301", " ");
        for (String key : keys) {
            assertThat(limiter.tryAcquire(key).allowed()).as("first request of %s", abbreviate(key)).isTrue();
        }
        for (String key : keys) {
            assertThat(limiter.tryAcquire(key).allowed()).as("second request of %s", abbreviate(key)).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void sixteenThreadsOnOneKeyAdmitExactlyTheLimit(Algorithm algorithm) throws Exception {
        int limit = 200;
        RateLimiter limiter = limiter(algorithm, Limit.of(limit, Duration.ofHours(1)));
        int threads = 16;
        int attemptsEach = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int allowed = 0;
                    for (int i = 0; i < attemptsEach; i++) {
                        if (limiter.tryAcquire("hot").allowed()) {
                            allowed++;
                        }
                    }
                    return allowed;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(limit);
            assertThat(limiter.peek("hot").remaining()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fixedWindowsAlignToTheEpoch() {
        RateLimiter limiter = limiter(Algorithm.FIXED_WINDOW, Limit.of(2, Duration.ofMinutes(1)));
        clock.advance(Duration.ofSeconds(59));
        limiter.tryAcquire("k", 2);
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.retryAfterMicros()).isEqualTo(1_000_000);
        assertThat(denied.resetAfterMicros()).isEqualTo(1_000_000);
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
    }

    @Test
    void slidingWindowWeighsThePreviousWindow() {
        RateLimiter limiter = limiter(Algorithm.SLIDING_WINDOW, Limit.of(10, Duration.ofSeconds(10)));
        limiter.tryAcquire("k", 10);
        // A quarter into the next window the previous 10 weigh 7.5, so 2 more fit and a third does not.
        clock.advance(Duration.ofMillis(12_500));
        assertThat(limiter.tryAcquire("k", 2).remaining()).isZero();
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.allowed()).isFalse();
        // 10 * (1 - e/10s) + 2 + 1 <= 10 first holds at e = 3s.
        assertThat(denied.retryAfterMicros()).isEqualTo(500_000);
    }

    @Test
    void tokenBucketRefillsContinuouslyAndHoldsItsBurst() {
        RateLimiter limiter = limiter(Algorithm.TOKEN_BUCKET, Limit.of(10, Duration.ofSeconds(1)).withBurst(20));
        assertThat(limiter.tryAcquire("k", 20).allowed()).isTrue();
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.retryAfterMicros()).isEqualTo(100_000);
        assertThat(denied.resetAfterMicros()).isEqualTo(2_000_000);
        clock.advance(Duration.ofMillis(350));
        assertThat(limiter.tryAcquire("k", 3).allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        clock.advance(Duration.ofHours(1));
        assertThat(limiter.peek("k").remaining()).isEqualTo(20);
    }

    @Test
    void tokenBucketIsExactForIntervalsThatAreNotWholeMicroseconds() {
        RateLimiter limiter = limiter(Algorithm.TOKEN_BUCKET, Limit.of(3, Duration.ofSeconds(1)));
        limiter.tryAcquire("k", 3);
        long waited = 0;
        for (int i = 0; i < 300; i++) {
            Decision d = limiter.tryAcquire("k");
            assertThat(d.allowed()).isFalse();
            clock.advanceMicros(d.retryAfterMicros());
            waited += d.retryAfterMicros();
            assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        }
        // 300 tokens at 3 per second take 100 s; rounding each wait up to a microsecond must not accumulate.
        assertThat(waited).isBetween(100_000_000L - 1, 100_000_000L + 1);
    }

    @Test
    void slidingLogIsExactOverTwentyFourHours() {
        RateLimiter limiter = limiter(Algorithm.SLIDING_LOG, Limit.parse("5/24h"));
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("user-1").allowed()).isTrue();
            clock.advance(Duration.ofHours(1));
        }
        Decision sixth = limiter.tryAcquire("user-1");
        assertThat(sixth.allowed()).isFalse();
        // The first upload was 5 hours ago; it leaves the window 19 hours from now.
        assertThat(sixth.retryAfter()).isEqualTo(Duration.ofHours(19));
        assertThat(sixth.resetAfter()).isEqualTo(Duration.ofHours(23));
        clock.advance(Duration.ofHours(19));
        assertThat(limiter.tryAcquire("user-1").allowed()).isTrue();
        assertThat(limiter.tryAcquire("user-1").allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aClockThatStepsBackGrantsNothingExtra(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(3, Duration.ofSeconds(10)));
        clock.advance(Duration.ofSeconds(25));
        limiter.tryAcquire("k", 3);
        clock.advance(Duration.ofSeconds(-8));
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void blockingAcquireWaitsExactlyRetryAfter(Algorithm algorithm) throws Exception {
        RateLimiter limiter = limiter(algorithm, Limit.of(2, Duration.ofSeconds(1)));
        limiter.tryAcquire("k", 2);
        long before = clock.nowMicros();
        Decision d = limiter.acquire("k", 1, Duration.ofSeconds(5));
        assertThat(d.allowed()).isTrue();
        assertThat(clock.sleeps()).isNotEmpty();
        assertThat(clock.nowMicros() - before).isEqualTo(clock.sleeps().stream().mapToLong(Long::longValue).sum());
        Decision impatient = limiter.acquire("k", 2, Duration.ofMillis(1));
        assertThat(impatient.allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aRefundGivesBackWhatWasSpentButNeverMoreThanFull(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(5, Duration.ofMinutes(1)));
        limiter.tryAcquire("k", 4);
        assertThat(limiter.refund("k", 3).remaining()).isEqualTo(4);
        assertThat(limiter.tryAcquire("k", 4).allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        assertThat(limiter.refund("k", 100).remaining()).isEqualTo(5);
        assertThat(limiter.refund("fresh", 2).remaining()).isEqualTo(5);
        assertThat(limiter.tryAcquire("k", 5).allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aPenaltySpendsWithoutAskingButNeverBelowEmpty(Algorithm algorithm) {
        RateLimiter limiter = limiter(algorithm, Limit.of(5, Duration.ofMinutes(1)), Limit.of(8, Duration.ofHours(1)));
        limiter.tryAcquire("k", 1);
        Decision penalized = limiter.penalize("k", 3);
        assertThat(penalized.remaining()).isEqualTo(1);
        assertThat(limiter.tryAcquire("k", 2).allowed()).isFalse();
        assertThat(limiter.penalize("k", 100).remaining()).isZero();
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.allowed()).isFalse();
        // Never below empty: one refund makes exactly one request fit again.
        limiter.refund("k", 1);
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    }

    /**
     * Replays seeded random request sequences on limits drawn by {@link RandomLimits} within
     * {@link #storeBounds()} (small and near-bound permits, intervals that are not whole microseconds, bursts, one
     * to three limits; requests of 1 to the whole capacity and beyond, peeks, resets, refunds and penalties from 1
     * to {@code Long.MAX_VALUE}; the clock standing still, moving up to 1.5 periods, and stepping back) and
     * requires every decision to equal the reference implementation's. A failure names the seed, the limits and
     * the last operations; {@code -Dratelimit.contract.seed=N} replays another base seed,
     * {@code -Dratelimit.contract.sets=N} draws more limit sets, and {@code -Dratelimit.contract.clockStepsBack=false}
     * keeps the clock from stepping back (to tell a clock bug from another). A limit set the store rejects when
     * the limiter is built (it may be stricter than {@link #storeBounds()}) must be rejected naming the limit, and
     * is replaced by another draw.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void decisionsEqualTheReference(Algorithm algorithm) {
        ReferenceReplay replay = new ReferenceReplay(clock, new RandomLimits(storeBounds()),
                limits -> limiter(algorithm, limits.toArray(Limit[]::new)));
        int replayed = 0;
        for (int set = 0; set < 3 * ReferenceReplay.SETS && replayed < ReferenceReplay.SETS; set++) {
            if (replay.run(algorithm, ReferenceReplay.SEED * 1_000_003L + set * 31L + algorithm.ordinal())) {
                replayed++;
            }
        }
        assertThat(replayed).as("limit sets the store accepted (override storeBounds() to draw within its bounds)")
                .isEqualTo(ReferenceReplay.SETS);
    }

    /**
     * Refunds and penalties of any size clamp exactly on every algorithm: a penalty never takes a limit below
     * zero remaining, a refund never above full, for 1, the capacity, the capacity plus one, 10^14 and
     * {@code Long.MAX_VALUE}. The regression: on a token bucket of 10/s, spending 1 and refunding 10^14 answered
     * "denied, retry after 267,000 years", and penalizing a fresh key by 10^14 did nothing.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void refundsAndPenaltiesOfAnySizeClampExactly(Algorithm algorithm) {
        List<List<Limit>> sets = new ArrayList<>(List.of(
                List.of(Limit.of(10, Duration.ofSeconds(1))),
                List.of(Limit.of(7, Duration.ofSeconds(10))),
                List.of(Limit.of(5, Duration.ofSeconds(1)), Limit.of(100, Duration.ofHours(1)))));
        if (algorithm == Algorithm.TOKEN_BUCKET) {
            sets.add(List.of(Limit.of(3, Duration.ofSeconds(1)).withBurst(20)));
        }
        StateTransition reference = StateTransition.of(algorithm);
        for (List<Limit> limits : sets) {
            long capacity = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
            for (long delta : new long[] {1, capacity, capacity + 1, 100_000_000_000_000L, Long.MAX_VALUE}) {
                RateLimiter limiter = limiter(algorithm, limits.toArray(Limit[]::new));
                String at = algorithm + " " + limits + " delta " + delta;

                Decision spent = limiter.tryAcquire("spent", 1);
                Decision refunded = limiter.refund("spent", delta);
                assertThat(refunded.allowed()).as(at + ": refund after spending 1: %s", refunded).isTrue();
                assertThat(refunded.remaining()).as(at).isEqualTo(capacity);
                long[] state = reference.apply(null, limits, 1, clock.nowMicros()).state();
                assertThat(refunded).as(at).isEqualTo(
                        reference.adjust(state, limits, -delta, clock.nowMicros()).decision());
                assertThat(spent.allowed()).isTrue();

                Decision penalized = limiter.penalize("fresh", delta);
                assertThat(penalized.remaining()).as(at + ": penalty on a fresh key").isEqualTo(
                        Math.max(0, capacity - delta));
                assertThat(penalized).as(at).isEqualTo(
                        reference.adjust(null, limits, delta, clock.nowMicros()).decision());
                Decision next = limiter.tryAcquire("fresh");
                assertThat(next.allowed()).as(at + ": a request after the penalty: %s", next)
                        .isEqualTo(delta < capacity);
                if (!next.allowed()) {
                    assertThat(next.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
                    assertThat(next.retryAfterMicros()).as(at).isLessThanOrEqualTo(
                            limits.stream().mapToLong(Limit::periodMicros).max().orElseThrow() * 2);
                }

                limiter.tryAcquire("emptied", capacity);
                Decision back = limiter.refund("emptied", delta);
                assertThat(back.remaining()).as(at + ": refund of an empty key").isEqualTo(Math.min(capacity, delta));
                assertThat(limiter.tryAcquire("emptied", Math.min(capacity, delta)).allowed()).as(at).isTrue();
            }
        }
    }

    /**
     * A limit just past one of the store's bounds ({@link #storeBounds()}) is rejected when the limiter is built,
     * with a message naming the limit, rather than failing or over-admitting at decision time.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void limitsJustPastTheStoresBoundsAreRejectedNamingTheLimit(Algorithm algorithm) {
        RandomLimits generator = new RandomLimits(storeBounds());
        Random random = new Random(ReferenceReplay.SEED + algorithm.ordinal());
        int checked = 0;
        for (int i = 0; i < 20; i++) {
            Limit over = generator.justOverBound(random, algorithm);
            if (over == null) {
                continue;
            }
            checked++;
            assertThatThrownBy(() -> limiter(algorithm, over)).as("%s %s", algorithm, over)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(over.toString());
        }
        if (algorithm != Algorithm.FIXED_WINDOW) {
            assertThat(checked).isPositive();
        }
    }

    // ----- A changed limit keeps what was spent (see the algorithms' class comments and RateLimiter) -----

    /** A namespace no other test uses, for a limiter and its successors with changed limits. */
    private static String freshNamespace() {
        return "contract-" + RUN + "-" + NAMESPACES.incrementAndGet();
    }

    private static void assertDecision(Decision d, boolean allowed, long remaining, long retryAfterMicros) {
        assertThat(d.allowed()).as("allowed of %s", d).isEqualTo(allowed);
        assertThat(d.remaining()).as("remaining of %s", d).isEqualTo(remaining);
        assertThat(d.retryAfterMicros()).as("retryAfter of %s", d).isEqualTo(retryAfterMicros);
    }

    @Test
    void fixedWindowRaisedOrLoweredKeepsTheCurrentWindowsCount() {
        String ns = freshNamespace();
        clock.advance(Duration.ofSeconds(2));
        assertThat(limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("10/10s")).tryAcquire("k", 7).allowed()).isTrue();
        RateLimiter lowered = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("8/10s"));
        assertDecision(lowered.tryAcquire("k"), true, 0, 0);
        assertDecision(lowered.tryAcquire("k"), false, 0, 8_000_000);
        RateLimiter tighter = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("5/10s"));
        assertDecision(tighter.tryAcquire("k"), false, 0, 8_000_000);
        RateLimiter raised = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("20/10s"));
        assertDecision(raised.tryAcquire("k", 5), true, 7, 0);
        // A longer period: the window that began at the minute's start lasts the minute, with its 13 permits.
        RateLimiter longer = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("15/1m"));
        assertDecision(longer.tryAcquire("k", 2), true, 0, 0);
        assertDecision(longer.tryAcquire("k"), false, 0, 58_000_000);
        clock.advance(Duration.ofSeconds(8));
        assertDecision(raised.tryAcquire("k", 20), true, 0, 0);
    }

    @Test
    void slidingWindowRaisedOrLoweredKeepsBothWindowsCounts() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("10/10s")).tryAcquire("k", 8).allowed())
                .isTrue();
        RateLimiter lowered = limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("6/10s"));
        // 8 spent in this window: in the next one they weigh 8 x (1 - e/10s), and 8 x (1 - e/10s) + 1 <= 6 first
        // holds at e = 3.75 s.
        assertDecision(lowered.tryAcquire("k"), false, 0, 13_750_000);
        RateLimiter raised = limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("12/10s"));
        assertDecision(raised.tryAcquire("k", 4), true, 0, 0);
        clock.advance(Duration.ofSeconds(15));
        // Half into the next window the previous 12 weigh 6.
        assertDecision(raised.tryAcquire("k", 6), true, 0, 0);
        assertDecision(lowered.peek("k"), false, 0, 5_000_000);
    }

    @Test
    void slidingWindowWithALongerPeriodKeepsTheWindowThatStartedWithIt() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("10/10s")).tryAcquire("k", 8).allowed())
                .isTrue();
        clock.advance(Duration.ofSeconds(5));
        // The 10 s window that began at 0 is the current 20 s window: its 8 count, 2 are left. 3 more fit when the
        // 8 weigh 8 x (1 - e/20s) <= 7 in the next window, at e = 2.5 s: 17.5 s from now.
        RateLimiter longer = limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("10/20s"));
        assertDecision(longer.tryAcquire("k", 3), false, 2, 17_500_000);
        assertDecision(longer.tryAcquire("k", 2), true, 0, 0);
    }

    @Test
    void slidingLogRaisedCountsTheLoggedPermits() {
        String ns = freshNamespace();
        RateLimiter before = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("5/1m"));
        before.tryAcquire("k", 3);
        clock.advance(Duration.ofSeconds(10));
        before.tryAcquire("k", 1);
        clock.advance(Duration.ofSeconds(10));
        // 4 logged: of 7, 3 are left; then the 3 permits of 20 s ago must leave the window, 40 s from now.
        RateLimiter raised = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("7/1m"));
        assertDecision(raised.tryAcquire("k", 3), true, 0, 0);
        assertDecision(raised.tryAcquire("k"), false, 0, 40_000_000);
    }

    @Test
    void slidingLogLimitsAddedRemovedOrWithAnotherPeriodCountTheSameLog() {
        String ns = freshNamespace();
        RateLimiter before = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("6/1m"));
        before.tryAcquire("k", 3);
        clock.advance(Duration.ofSeconds(10));
        before.tryAcquire("k", 1);
        clock.advance(Duration.ofSeconds(10));
        // Added: 4 per 30 s counts the 4 permits of the last 30 s; the oldest 3 leave the 30 s window 10 s from now.
        RateLimiter added = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("6/1m"), Limit.parse("4/30s"));
        Decision denied = added.tryAcquire("k");
        assertDecision(denied, false, 0, 10_000_000);
        assertThat(denied.deniedBy()).contains(Limit.parse("4/30s"));
        // Removed again: only 6 per minute, of which 4 are spent.
        RateLimiter removed = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("6/1m"));
        assertDecision(removed.tryAcquire("k", 2), true, 0, 0);
        // Another period: the same log, counted over 2 minutes; the oldest 3 permits leave at 2 min.
        clock.advance(Duration.ofSeconds(70));
        RateLimiter longer = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("7/2m"));
        assertDecision(longer.tryAcquire("k", 2), false, 1, 30_000_000);
        assertDecision(longer.tryAcquire("k", 1), true, 0, 0);
    }

    /**
     * Random limits changed several times on one key: every decision equals the reference's on the state the
     * earlier limits left, so each store converts a state written under other limits exactly as the reference
     * does. A key back at full allowance when its limits change is reset first, because a store may already have
     * dropped it (expiry), and a dropped state no longer carries.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void changedLimitsCarryOverAsTheReferenceSays(Algorithm algorithm) {
        RandomLimits draw = new RandomLimits(storeBounds());
        StateTransition reference = StateTransition.of(algorithm);
        for (int round = 0; round < 12; round++) {
            long seed = 1_000L * algorithm.ordinal() + round;
            Random random = new Random(seed);
            String ns = freshNamespace();
            long[] state = null;
            List<String> history = new ArrayList<>();
            for (int change = 0; change < 4; change++) {
                List<Limit> limits = null;
                RateLimiter limiter = null;
                while (limiter == null) {
                    // A set the store rejects (it may be stricter than storeBounds()) is replaced by another draw.
                    limits = draw.limits(random, algorithm);
                    try {
                        limiter = limiterIn(ns, algorithm, limits.toArray(new Limit[0]));
                    } catch (IllegalArgumentException rejected) {
                        limiter = null;
                    }
                }
                if (state != null && state[0] <= clock.nowMicros()) {
                    limiter.reset("k");
                    state = null;
                }
                long smallest = Long.MAX_VALUE;
                long shortest = Long.MAX_VALUE;
                for (Limit limit : limits) {
                    smallest = Math.min(smallest, limit.capacity());
                    shortest = Math.min(shortest, limit.periodMicros());
                }
                for (int step = 0; step < 4; step++) {
                    long permits = random.nextInt(3) == 0 ? smallest : 1 + (long) random.nextInt(
                            (int) Math.min(smallest, 1_000));
                    long now = clock.nowMicros();
                    StateTransition.Result expected = reference.apply(state, limits, permits, now);
                    Decision actual = limiter.tryAcquire("k", permits);
                    history.add("t=" + now + " " + limits + " tryAcquire(" + permits + ") -> " + actual);
                    assertThat(actual).as("seed %s, %s", seed, history).isEqualTo(expected.decision());
                    state = expected.state();
                    clock.advanceMicros(1 + random.nextLong(Math.max(1, Math.min(shortest / 3, 3_600_000_000L))));
                }
            }
        }
    }

    @Test
    void tokenBucketRaisedKeepsTheDeficit() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("5/1m")).tryAcquire("k", 5).allowed()).isTrue();
        // 5 short of 5; raised to 10 per minute, still 5 short: 5 available at once, the next one in 6 s.
        RateLimiter raised = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/1m"));
        assertDecision(raised.peek("k"), true, 5, 0);
        assertDecision(raised.tryAcquire("k", 5), true, 0, 0);
        assertDecision(raised.tryAcquire("k"), false, 0, 6_000_000);
    }

    @Test
    void tokenBucketLoweredKeepsTheDeficitClampedToTheNewCapacity() {
        String ns = freshNamespace();
        RateLimiter before = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/1m"));
        assertThat(before.tryAcquire("some", 3).allowed()).isTrue();
        assertThat(before.tryAcquire("all", 10).allowed()).isTrue();
        RateLimiter lowered = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("5/1m"));
        // 3 short of 10 is 3 short of 5: 2 available.
        assertDecision(lowered.tryAcquire("some", 2), true, 0, 0);
        assertDecision(lowered.tryAcquire("some"), false, 0, 12_000_000);
        // 10 short is clamped to 5 short: none available, one in 12 s, full again in a minute.
        Decision empty = lowered.tryAcquire("all");
        assertDecision(empty, false, 0, 12_000_000);
        assertThat(empty.resetAfterMicros()).isEqualTo(60_000_000);
        // The denial stored the converted bucket: it refills at the new rate from now on.
        clock.advance(Duration.ofSeconds(12));
        assertDecision(lowered.tryAcquire("all"), true, 0, 0);
        clock.advance(Duration.ofSeconds(60));
        assertDecision(lowered.tryAcquire("all", 5), true, 0, 0);
    }

    @Test
    void tokenBucketWithABurstOrRateChangedKeepsTheDeficit() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/10s")).tryAcquire("k", 8).allowed())
                .isTrue();
        // 8 short of 10 per 10 s is 8 short of 20 per 10 s: 12 left (a peek converts nothing and writes nothing).
        assertDecision(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("20/10s")).peek("k"), true, 12, 0);
        // The same rate with a burst of 5: the deficit of 8 is clamped to 5, so the next token comes in 1 s.
        RateLimiter smallerBurst = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/10s").withBurst(5));
        assertDecision(smallerBurst.tryAcquire("k"), false, 0, 1_000_000);
        // 5 short of 5 at one token per 2 s: the next one in 2 s.
        RateLimiter lowered = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("5/10s"));
        assertDecision(lowered.tryAcquire("k"), false, 0, 2_000_000);
    }

    @Test
    void tokenBucketWithARateInOtherUnitsRoundsTheDeficitUp() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/1s")).tryAcquire("k", 8).allowed()).isTrue();
        // 8 short is clamped to 3 short of 3 per second (one token per 1/3 s, not a whole number of microseconds).
        RateLimiter thirds = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("3/1s"));
        assertDecision(thirds.tryAcquire("k"), false, 0, 333_334);
        clock.advanceMicros(333_334);
        assertDecision(thirds.tryAcquire("k"), true, 0, 0);
        // Now 2.999998 tokens short of 3 per second: rounded up to 3 short of 10 per second, 7 left.
        assertDecision(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/1s")).tryAcquire("k"), true, 6, 0);
    }

    @Test
    void fixedWindowLimitsAddedOrRemovedKeepTheOthersCounts() {
        String ns = freshNamespace();
        clock.advance(Duration.ofSeconds(30));
        assertThat(limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("10/1s"), Limit.parse("100/1m"))
                .tryAcquire("k", 8).allowed()).isTrue();
        // Added 1000/1h starts fresh; the per-second and per-minute counts stay.
        RateLimiter added = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("10/1s"), Limit.parse("100/1m"),
                Limit.parse("1000/1h"));
        Decision denied = added.tryAcquire("k", 3);
        assertDecision(denied, false, 2, 1_000_000);
        assertThat(denied.deniedBy()).contains(Limit.parse("10/1s"));
        assertDecision(added.tryAcquire("k", 2), true, 0, 0);
        // The per-second limit removed: the minute keeps its 10, the hour its 2.
        RateLimiter removed = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("100/1m"), Limit.parse("1000/1h"));
        assertDecision(removed.peek("k"), true, 90, 0);
        assertDecision(removed.tryAcquire("k", 90), true, 0, 0);
        assertDecision(removed.tryAcquire("k"), false, 0, 30_000_000);
        // Reordered: each limit finds its own period's count.
        RateLimiter reordered = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("1000/1h"), Limit.parse("100/1m"));
        assertDecision(reordered.tryAcquire("k"), false, 0, 30_000_000);
        clock.advance(Duration.ofSeconds(30));
        assertDecision(reordered.tryAcquire("k", 100), true, 0, 0);
        assertThat(reordered.peek("k").limit()).isEqualTo(Limit.parse("100/1m"));
        assertDecision(reordered.tryAcquire("k"), false, 0, 60_000_000);
    }

    /**
     * Regression (DynamoDB): a limit added next to a window carried over from another period. The 10 s window that
     * began at 0:20 is the hour limit's window (it began inside the current hour); the store's single update aimed
     * at the hour's aligned window, failed its condition on every attempt and answered a contention denial.
     */
    @Test
    void fixedWindowLimitAddedBesideAWindowCarriedFromAnotherPeriod() {
        String ns = freshNamespace();
        clock.advance(Duration.ofSeconds(20));
        assertThat(limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("10/10s")).tryAcquire("k", 3).allowed())
                .isTrue();
        clock.advance(Duration.ofSeconds(5));
        assertDecision(limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("100/1h")).tryAcquire("k", 5), true, 92, 0);
        clock.advance(Duration.ofSeconds(5));
        RateLimiter added = limiterIn(ns, Algorithm.FIXED_WINDOW, Limit.parse("100/1h"), Limit.parse("50/1m"));
        assertDecision(added.tryAcquire("k", 2), true, 48, 0);
        assertDecision(added.tryAcquire("k", 48), true, 0, 0);
        assertDecision(added.tryAcquire("k"), false, 0, 30_000_000);
    }

    @Test
    void slidingWindowLimitsAddedOrRemovedKeepTheOthersCounts() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("10/10s"), Limit.parse("100/1m"))
                .tryAcquire("k", 6).allowed()).isTrue();
        RateLimiter added = limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("500/1h"), Limit.parse("10/10s"),
                Limit.parse("100/1m"));
        assertDecision(added.tryAcquire("k", 4), true, 0, 0);
        // In the next window the 10 weigh 10 x (1 - e/10s); one more fits at e = 1 s.
        assertDecision(added.tryAcquire("k"), false, 0, 11_000_000);
        RateLimiter removed = limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("100/1m"));
        assertDecision(removed.peek("k"), true, 90, 0);
        RateLimiter withoutMinute = limiterIn(ns, Algorithm.SLIDING_WINDOW, Limit.parse("500/1h"));
        assertDecision(withoutMinute.tryAcquire("k", 496), true, 0, 0);
    }

    @Test
    void tokenBucketLimitsAddedOrRemovedKeepTheOthersDeficits() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/1s"), Limit.parse("100/1m"))
                .tryAcquire("k", 8).allowed()).isTrue();
        RateLimiter added = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("100/1m"), Limit.parse("10/1s"),
                Limit.parse("1000/1h"));
        Decision denied = added.tryAcquire("k", 3);
        assertDecision(denied, false, 2, 100_000);
        assertThat(denied.deniedBy()).contains(Limit.parse("10/1s"));
        assertDecision(added.tryAcquire("k", 2), true, 0, 0);
        // Without the per-second limit: 10 short of 100 per minute, 2 short of 1000 per hour.
        RateLimiter removed = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("1000/1h"), Limit.parse("100/1m"));
        assertDecision(removed.peek("k"), true, 90, 0);
        assertDecision(removed.tryAcquire("k", 90), true, 0, 0);
        assertDecision(removed.tryAcquire("k"), false, 0, 600_000);
    }

    @Test
    void tokenBucketWithTwoLimitsOfOnePeriodMatchesThemInOrder() {
        String ns = freshNamespace();
        assertThat(limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("10/1m"), Limit.parse("6/1m").withBurst(3))
                .tryAcquire("k", 3).allowed()).isTrue();
        clock.advance(Duration.ofSeconds(6));
        // The first per-minute limit takes the first one's 2 short of 10 (refilled at one per 6 s), the second the
        // second's 2.4 short of 3 (one per 10 s): 18 and 1.6 left of 20 and 4.
        RateLimiter changed = limiterIn(ns, Algorithm.TOKEN_BUCKET, Limit.parse("20/1m"),
                Limit.parse("6/1m").withBurst(4), Limit.parse("2/1s"));
        Decision d = changed.tryAcquire("k");
        assertDecision(d, true, 0, 0);
        assertThat(d.limit()).isEqualTo(Limit.parse("6/1m").withBurst(4));
    }

    @Test
    void slidingLogLoweredCountsEveryLoggedPermit() {
        String ns = freshNamespace();
        RateLimiter before = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("10/1m"));
        assertThat(before.tryAcquire("k", 3).allowed()).isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(before.tryAcquire("k", 5).allowed()).isTrue();
        clock.advance(Duration.ofSeconds(10));
        // 8 logged, lowered to 5: one more fits when 4 have left, which takes the 3 of 20 s ago and the 5 of 10 s
        // ago: in 50 s.
        RateLimiter lowered = limiterIn(ns, Algorithm.SLIDING_LOG, Limit.parse("5/1m"));
        assertDecision(lowered.tryAcquire("k"), false, 0, 50_000_000);
        clock.advance(Duration.ofSeconds(40));
        assertDecision(lowered.tryAcquire("k"), false, 0, 10_000_000);
        clock.advance(Duration.ofSeconds(10));
        assertDecision(lowered.tryAcquire("k", 5), true, 0, 0);
    }

    private static String abbreviate(String key) {
        return key.length() > 20 ? key.substring(0, 10) + "...(" + key.length() + " chars)" : key;
    }
}
