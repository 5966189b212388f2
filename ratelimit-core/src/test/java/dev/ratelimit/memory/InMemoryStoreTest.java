package dev.ratelimit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreBinding;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InMemoryStoreTest {

    private static final long T0 = 1_767_225_600_000_000L;
    private final AtomicLong now = new AtomicLong(T0);

    private RateLimiter limiter(InMemoryStore store, Algorithm algorithm, String limit) {
        return RateLimiter.builder().limit(Limit.parse(limit)).algorithm(algorithm).store(store)
                .timeSource(now::get).build();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aSweepDropsKeysBackAtFullAllowanceAndKeepsTheOthers(Algorithm algorithm) {
        InMemoryStore store = InMemoryStore.builder().sweepExecutor(Runnable::run).build();
        RateLimiter limiter = limiter(store, algorithm, "10/1s");
        for (int i = 0; i < 1_000; i++) {
            limiter.tryAcquire("idle-" + i);
        }
        assertThat(store.keyCount()).isEqualTo(1_000);
        now.addAndGet(1_500_000);
        limiter.tryAcquire("active", 5);
        // Sliding windows remember the previous window, so their keys are full only after two periods.
        now.addAndGet(algorithm == Algorithm.SLIDING_WINDOW ? 1_500_000 : 0);
        limiter.tryAcquire("active", 1);
        store.sweep(now.get());
        assertThat(store.keyCount()).isEqualTo(1);
        assertThat(limiter.peek("active").remaining()).isLessThan(10);
        assertThat(limiter.peek("idle-7").remaining()).isEqualTo(10);
    }

    @Test
    void sweepsRunByThemselvesOncePerInterval() {
        AtomicLong sweeps = new AtomicLong();
        InMemoryStore store = InMemoryStore.builder().sweepInterval(Duration.ofSeconds(30))
                .sweepExecutor(task -> {
                    sweeps.incrementAndGet();
                    task.run();
                }).build();
        RateLimiter limiter = limiter(store, Algorithm.FIXED_WINDOW, "10/1s");
        for (int i = 0; i < 100; i++) {
            limiter.tryAcquire("k" + i);
        }
        assertThat(sweeps).hasValue(1);
        now.addAndGet(29_999_999);
        limiter.tryAcquire("other");
        assertThat(sweeps).hasValue(1);
        assertThat(store.keyCount()).isEqualTo(101);
        now.addAndGet(1);
        limiter.tryAcquire("other");
        assertThat(sweeps).hasValue(2);
        assertThat(store.keyCount()).isEqualTo(1);
    }

    /** Regression (issue 12): at the cap a new key failed and the default policy admitted it without limit. */
    @Test
    void aFullStoreEvictsInsteadOfFailingAndNeverReportsAStoreFailure() {
        InMemoryStore store = InMemoryStore.builder().maximumKeys(3).sweepExecutor(Runnable::run).build();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("5/1s")).store(store).timeSource(now::get)
                .failurePolicy(FailurePolicy.deny()).build();
        for (String key : List.of("a", "b", "c")) {
            assertThat(limiter.tryAcquire(key).reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
        }
        assertThat(limiter.tryAcquire("a", 4).allowed()).isTrue();
        assertThat(limiter.tryAcquire("b", 2).allowed()).isTrue();
        for (int i = 0; i < 100; i++) {
            Decision fresh = limiter.tryAcquire("new-" + i);
            assertThat(fresh.reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            assertThat(store.keyCount()).isEqualTo(3);
        }
        assertThat(limiter.tryAcquire("a").reason()).as("the spent key kept its state")
                .isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        assertThat(limiter.peek("b").remaining()).isEqualTo(2);
        assertThat(store.evictionCount()).isEqualTo(100);
        StoreBinding binding = store.bind("x", Algorithm.FIXED_WINDOW, List.of(Limit.parse("1/s")));
        for (String key : List.of("e", "f", "g")) {
            assertThat(binding.tryAcquire(key, 1, now.get()).allowed()).isTrue();
        }
        assertThat(store.keyCount()).isEqualTo(3);
    }

    @Test
    void builderOptionsAreValidatedAndTheLastCallWins() {
        assertThatThrownBy(() -> InMemoryStore.builder().maximumKeys(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 0");
        assertThatThrownBy(() -> InMemoryStore.builder().maximumKeys((1L << 30) + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 1073741825");
        assertThatThrownBy(() -> InMemoryStore.builder().maximumBytes(1_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maximumBytes must be at least 1048576 but was 1000");
        assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(Duration.ofNanos(999)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sweepInterval must be at least 1us but was PT0.000000999S");
        assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(null))
                .isInstanceOf(NullPointerException.class).hasMessage("sweepInterval");
        assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    }

    @Test
    void settingABuilderOptionAgainReplacesIt() {
        InMemoryStore store = InMemoryStore.builder().maximumKeys(5).maximumKeys(6)
                .maximumBytes(1L << 21).maximumBytes(1L << 22).build();
        assertThat(store).hasToString("InMemoryStore{keys=0, maximumKeys=6, estimatedBytes=0, maximumBytes=4194304,"
                + " evictions=0}");
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        InMemoryStore swept = InMemoryStore.builder().sweepExecutor(task -> first.incrementAndGet())
                .sweepExecutor(task -> last.incrementAndGet()).build();
        swept.bind("n", Algorithm.FIXED_WINDOW, List.of(Limit.parse("1/s"))).tryAcquire("k", 1, 1_000_000);
        assertThat(first).hasValue(0);
        assertThat(last).hasValue(1);
    }

    @Test
    void aSweepIntervalOfCenturiesSaturatesInsteadOfOverflowing() {
        AtomicLong sweeps = new AtomicLong();
        InMemoryStore store = InMemoryStore.builder().sweepInterval(Duration.ofDays(1_000_000_000))
                .sweepExecutor(task -> sweeps.incrementAndGet()).build();
        StoreBinding binding = store.bind("n", Algorithm.FIXED_WINDOW, List.of(Limit.parse("1/s")));
        long now = 4_102_444_800_000_000L;
        for (int i = 0; i < 10; i++) {
            binding.tryAcquire("k" + i, 1, now + i * 86_400_000_000L);
        }
        assertThat(sweeps).as("the first decision schedules the only sweep").hasValue(1);
    }

    @Test
    void theDefaultStoreIsBounded() {
        long expectedBytes = Math.max(1L << 20, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 4));
        assertThat(InMemoryStore.create()).hasToString("InMemoryStore{keys=0, maximumKeys=524288, estimatedBytes=0,"
                + " maximumBytes=" + expectedBytes + ", evictions=0}");
        assertThat(InMemoryStore.DEFAULT_MAXIMUM_KEYS * 128).isEqualTo(InMemoryStore.DEFAULT_MAXIMUM_BYTES);
    }

    /**
     * A decision racing with a sweep that removes the same (expired) key must never be lost: afterwards the key
     * shows exactly the permits the decision spent.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aDecisionRacingWithTheSweepIsNeverLost(Algorithm algorithm) throws Exception {
        InMemoryStore store = InMemoryStore.builder().sweepExecutor(task -> { }).build();
        RateLimiter limiter = limiter(store, algorithm, "10/1s");
        CyclicBarrier barrier = new CyclicBarrier(2);
        for (int round = 0; round < 2_000; round++) {
            String key = "k" + round;
            limiter.tryAcquire(key, 3);
            now.addAndGet(3_000_000);
            long sweepAt = now.get();
            Thread sweeper = new Thread(() -> {
                await(barrier);
                store.sweep(sweepAt);
            });
            sweeper.start();
            await(barrier);
            assertThat(limiter.tryAcquire(key, 4).allowed()).isTrue();
            sweeper.join();
            assertThat(limiter.peek(key).remaining()).as("round %d", round).isEqualTo(6);
            limiter.reset(key);
        }
        assertThat(store.keyCount()).isZero();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
