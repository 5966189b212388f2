package dev.ratelimit.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, item 3: {@code TimeSource} promises that a clock stepping back never grants extra permits; that must
 * hold after a sweep or an eviction dropped the key. Each case runs the same requests on a store that removes
 * the key and on one that keeps it (no sweeps, no cap), and the removing store may never admit more.
 */
class ClockStepBackTest {

    private static final long T0 = 1_767_225_600_000_000L;
    private final AtomicLong now = new AtomicLong(T0);

    private RateLimiter limiter(InMemoryStore store, Algorithm algorithm, List<Limit> limits) {
        return RateLimiter.builder().limits(limits).algorithm(algorithm).store(store).timeSource(now::get).build();
    }

    private static int admitted(RateLimiter limiter, String key, int tries) {
        int admitted = 0;
        for (int i = 0; i < tries; i++) {
            admitted += limiter.tryAcquire(key).allowed() ? 1 : 0;
        }
        return admitted;
    }

    /** The case: 10/1s, spend 10, advance 3.1 s, sweep, step back to +0.3 s: 10 of 10 were admitted. */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aSweptKeyGetsNoExtraPermitsWhenTheClockStepsBack(Algorithm algorithm) {
        InMemoryStore sweeping = InMemoryStore.builder().sweepExecutor(task -> { }).build();
        InMemoryStore keeping = InMemoryStore.builder().sweepExecutor(task -> { }).build();
        List<Limit> limits = List.of(Limit.parse("10/1s"));
        RateLimiter swept = limiter(sweeping, algorithm, limits);
        RateLimiter kept = limiter(keeping, algorithm, limits);
        assertThat(admitted(swept, "k", 10)).isEqualTo(10);
        assertThat(admitted(kept, "k", 10)).isEqualTo(10);
        now.addAndGet(3_100_000);
        sweeping.sweep(now.get());
        assertThat(sweeping.keyCount()).isZero();
        now.set(T0 + 300_000);
        int reference = admitted(kept, "k", 10);
        assertThat(admitted(swept, "k", 10)).as("kept state admits %d", reference).isLessThanOrEqualTo(reference);
        assertThat(swept.peek("k").remaining()).isLessThanOrEqualTo(kept.peek("k").remaining());
        now.set(T0 + 5_100_000);
        assertThat(admitted(swept, "k", 10)).as("the full allowance is back once the clock is past the sweep")
                .isEqualTo(10);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void anEvictedKeyGetsNoExtraPermitsWhenTheClockStepsBack(Algorithm algorithm) {
        InMemoryStore evicting = InMemoryStore.builder().maximumKeys(1).build();
        InMemoryStore keeping = InMemoryStore.create();
        List<Limit> limits = List.of(Limit.parse("10/1s"));
        RateLimiter evicted = limiter(evicting, algorithm, limits);
        RateLimiter kept = limiter(keeping, algorithm, limits);
        admitted(evicted, "k", 10);
        admitted(kept, "k", 10);
        now.addAndGet(3_100_000);
        assertThat(evicted.tryAcquire("other").allowed()).isTrue();
        assertThat(evicting.evictionCount()).isEqualTo(1);
        now.set(T0 + 300_000);
        int reference = admitted(kept, "k", 10);
        assertThat(admitted(evicted, "k", 10)).as("kept state admits %d", reference).isLessThanOrEqualTo(reference);
    }

    /** A step back by less than the time since the key was spent: the kept state admits some, never fewer. */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aShortStepBackAfterASweepAdmitsNoMoreThanTheKeptState(Algorithm algorithm) {
        for (long back : new long[] {1, 1_000, 150_000, 700_000, 999_999, 1_000_000, 2_500_000}) {
            now.set(T0 + 400_000);
            InMemoryStore sweeping = InMemoryStore.builder().sweepExecutor(task -> { }).build();
            InMemoryStore keeping = InMemoryStore.builder().sweepExecutor(task -> { }).build();
            List<Limit> limits = List.of(Limit.parse("10/1s"));
            RateLimiter swept = limiter(sweeping, algorithm, limits);
            RateLimiter kept = limiter(keeping, algorithm, limits);
            admitted(swept, "k", 7);
            admitted(kept, "k", 7);
            now.addAndGet(2_600_000);
            sweeping.sweep(now.get());
            assertThat(sweeping.keyCount()).isZero();
            now.addAndGet(-back);
            int reference = admitted(kept, "k", 12);
            assertThat(admitted(swept, "k", 12)).as("back %dus; kept admits %d", back, reference)
                    .isLessThanOrEqualTo(reference);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "SLIDING_LOG"})
    void severalLimitsAreDeniedUntilTheSweepTime(Algorithm algorithm) {
        InMemoryStore sweeping = InMemoryStore.builder().sweepExecutor(task -> { }).build();
        RateLimiter swept = limiter(sweeping, algorithm, List.of(Limit.parse("10/1s"), Limit.parse("100/1m")));
        admitted(swept, "k", 10);
        now.addAndGet(61_000_000);
        sweeping.sweep(now.get());
        assertThat(sweeping.keyCount()).isZero();
        now.set(T0 + 300_000);
        assertThat(swept.tryAcquire("k").retryAfterMicros()).isEqualTo(60_700_000);
        now.set(T0 + 61_000_000);
        assertThat(admitted(swept, "k", 10)).isEqualTo(10);
    }
}
