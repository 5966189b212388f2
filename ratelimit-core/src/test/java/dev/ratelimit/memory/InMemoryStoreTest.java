package dev.ratelimit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
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

    @Test
    void theKeyCapTurnsNewKeysIntoStoreFailuresUntilASweepFreesRoom() {
        InMemoryStore store = InMemoryStore.builder().maximumKeys(3).sweepExecutor(Runnable::run).build();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("5/1s")).store(store).timeSource(now::get)
                .failurePolicy(FailurePolicy.deny()).build();
        for (String key : List.of("a", "b", "c")) {
            assertThat(limiter.tryAcquire(key).reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
        }
        Decision fourth = limiter.tryAcquire("d");
        assertThat(fourth.allowed()).isFalse();
        assertThat(fourth.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(limiter.tryAcquire("a").reason()).as("existing keys still work")
                .isEqualTo(Decision.Reason.WITHIN_LIMIT);
        now.addAndGet(2_000_000);
        store.sweep(now.get());
        assertThat(limiter.tryAcquire("d").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
        StoreBinding binding = store.bind("x", Algorithm.FIXED_WINDOW, List.of(Limit.parse("1/s")));
        for (String key : List.of("e", "f")) {
            binding.tryAcquire(key, 1, now.get());
        }
        assertThatThrownBy(() -> binding.tryAcquire("g", 1, now.get()))
                .isInstanceOf(StoreException.class).hasMessageContaining("maximum of 3 keys");
    }

    @Test
    void builderOptionsAreValidatedAndSetOnce() {
        assertThatThrownBy(() -> InMemoryStore.builder().maximumKeys(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 0");
        assertThatThrownBy(() -> InMemoryStore.builder().maximumKeys(5).maximumKeys(6))
                .isInstanceOf(IllegalStateException.class).hasMessage("maximumKeys was already set to 5");
        assertThatThrownBy(() -> InMemoryStore.builder().sweepInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
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
