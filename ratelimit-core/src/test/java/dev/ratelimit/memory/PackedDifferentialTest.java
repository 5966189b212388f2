package dev.ratelimit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The packed one-word encodings ({@link PackedBinding}) against the reference transition run by
 * {@link MemoryBinding}: seeded random sequences of acquires, peeks, penalties, refunds, resets and sweeps, with a
 * clock that jumps forward, creeps, and sometimes steps back, must give identical decisions and key counts.
 *
 * <p>Sweeps run only in the sequences whose clock never steps back. The reference stamps each state with the time
 * it becomes full, computed when it was written; a packed word does not remember when it was written, so after a
 * step back it may find a key full (a count of zero) before the reference's stamp is reached, and drop it sooner.
 * With a clock that only moves forward the two drop exactly the same keys.
 */
class PackedDifferentialTest {

    private static final long T0 = 1_767_225_600_000_000L; // 2026-01-01T00:00:00Z
    private static final long[] PERIODS = {1, 7, 1_000, 999_999, 1_000_000, 1_300_000, 60_000_000, 3_600_000_000L,
        86_400_000_000L};
    private static final long[] PERMITS = {1, 2, 3, 7, 10, 100, 1_000, 65_535, 1_000_000, 1_000_000_000};

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW", "TOKEN_BUCKET"})
    void packedDecisionsEqualTheReferenceOnRandomSequences(Algorithm algorithm) {
        int packedLimits = 0;
        for (int seed = 0; seed < 400; seed++) {
            Random random = new Random(seed * 31L + algorithm.ordinal());
            Limit limit = randomLimit(random, algorithm);
            PackedAlgorithm packed = PackedAlgorithm.of(algorithm, limit);
            if (packed == null) {
                continue;
            }
            packedLimits++;
            run(random, algorithm, limit, packed, seed);
        }
        assertThat(packedLimits).as("limits that packed").isGreaterThan(150);
    }

    private static Limit randomLimit(Random random, Algorithm algorithm) {
        long permits = random.nextInt(3) == 0 ? 1 + random.nextInt(5_000) : PERMITS[random.nextInt(PERMITS.length)];
        long period = random.nextInt(3) == 0 ? 1 + random.nextInt(5_000_000) : PERIODS[random.nextInt(PERIODS.length)];
        Limit limit = Limit.of(permits, Duration.ofNanos(period * 1_000));
        if (algorithm == Algorithm.TOKEN_BUCKET && random.nextBoolean()) {
            limit = limit.withBurst(1 + random.nextInt((int) Math.min(permits * 3, 100_000)));
        }
        try {
            StateTransition.of(algorithm).validate(List.of(limit));
        } catch (IllegalArgumentException tooLarge) {
            return Limit.perMinute(100);
        }
        return limit;
    }

    private static void run(Random random, Algorithm algorithm, Limit limit, PackedAlgorithm packed, int seed) {
        InMemoryStore packedStore = InMemoryStore.builder().sweepExecutor(task -> { }).build();
        InMemoryStore referenceStore = InMemoryStore.builder().sweepExecutor(task -> { }).build();
        StoreBinding actual = new PackedBinding(packedStore, packed);
        StoreBinding expected = new MemoryBinding(referenceStore, StateTransition.of(algorithm), List.of(limit), new ConcurrentHashMap<>(), null);
        long now = random.nextInt(10) == 0 ? random.nextInt(3) * limit.periodMicros() : T0 + random.nextInt(1_000);
        long capacity = limit.capacity();
        String[] keys = {"a", "b", "c"};
        boolean monotonic = seed % 2 == 0;
        for (int step = 0; step < 300; step++) {
            long advance = advance(random, limit.periodMicros());
            now = Math.max(0, now + (monotonic ? Math.abs(advance) : advance));
            String key = keys[random.nextInt(keys.length)];
            String where = "seed " + seed + " step " + step + " " + limit + " at " + now + " key " + key + ": ";
            int op = random.nextInt(20);
            if (op < 12) {
                long permits = 1 + (random.nextInt(4) == 0 ? nextLong(random, capacity) : nextLong(random,
                        Math.min(capacity, 3)));
                assertThat(actual.tryAcquire(key, permits, now)).as(where + "acquire " + permits)
                        .isEqualTo(expected.tryAcquire(key, permits, now));
            } else if (op < 14) {
                assertThat(actual.peek(key, now)).as(where + "peek").isEqualTo(expected.peek(key, now));
            } else if (op < 17) {
                long delta = (1 + nextLong(random, capacity + 2)) * (random.nextBoolean() ? 1 : -1);
                assertThat(actual.adjust(key, delta, now)).as(where + "adjust " + delta)
                        .isEqualTo(expected.adjust(key, delta, now));
            } else if (op < 18) {
                actual.reset(key);
                expected.reset(key);
            } else if (monotonic) {
                ((SweptBinding) actual).sweep(now);
                ((SweptBinding) expected).sweep(now);
                assertThat(packedStore.keyCount()).as(where + "keys after sweep")
                        .isEqualTo(referenceStore.keyCount());
            } else {
                assertThat(actual.peek(key, now)).as(where + "peek").isEqualTo(expected.peek(key, now));
            }
        }
    }

    /** Mostly small steps within a period, sometimes whole periods, sometimes a step back. */
    private static long advance(Random random, long period) {
        return switch (random.nextInt(10)) {
            case 0 -> -nextLong(random, period + 1);
            case 1, 2 -> nextLong(random, 3 * period + 1);
            case 3 -> period - 1 + random.nextInt(3);
            case 4 -> 0;
            default -> nextLong(random, Math.max(1, period / 10));
        };
    }

    private static long nextLong(Random random, long bound) {
        return bound <= 1 ? 0 : (random.nextLong() & Long.MAX_VALUE) % bound;
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW", "TOKEN_BUCKET"})
    void aKeyRefundedBackToFullIsSweptAtOnceLikeTheReference(Algorithm algorithm) {
        Limit limit = Limit.parse("10/1s");
        for (boolean packed : new boolean[] {true, false}) {
            InMemoryStore store = InMemoryStore.builder().sweepExecutor(task -> { }).build();
            StoreBinding binding = packed ? new PackedBinding(store, PackedAlgorithm.of(algorithm, limit))
                    : new MemoryBinding(store, StateTransition.of(algorithm), List.of(limit), new ConcurrentHashMap<>(), null);
            long now = T0 + 250_000;
            binding.tryAcquire("refunded", 3, now);
            binding.tryAcquire("kept", 3, now);
            binding.adjust("refunded", -3, now + 1);
            ((SweptBinding) binding).sweep(now + 1);
            assertThat(store.keyCount()).as(packed ? "packed" : "reference").isEqualTo(1);
            assertThat(binding.peek("kept", now + 1).remaining()).isLessThan(10);
        }
    }

    @Test
    void laterLimitersOfOneNamespaceShareUnpackedStateAndTakeOverFromThePackedFirst() {
        InMemoryStore store = InMemoryStore.create();
        long now = 4_102_444_800_000_000L;
        StoreBinding first = store.bind("n", Algorithm.FIXED_WINDOW, List.of(Limit.parse("10/10s")));
        assertThat(first).isInstanceOf(PackedBinding.class);
        first.tryAcquire("k", 7, now);
        StoreBinding second = store.bind("n", Algorithm.FIXED_WINDOW, List.of(Limit.parse("8/10s")));
        StoreBinding third = store.bind("n", Algorithm.FIXED_WINDOW, List.of(Limit.parse("20/10s")));
        assertThat(second).isInstanceOf(MemoryBinding.class);
        assertThat(second.tryAcquire("k", 1, now).remaining()).isZero();
        // The later two share the key: 8 spent, of 20.
        assertThat(third.peek("k", now).remaining()).isEqualTo(12);
        // The first handed the key over and keeps its own copy.
        assertThat(first.peek("k", now).remaining()).isEqualTo(3);
        // Another algorithm in the same namespace is another key.
        assertThat(store.bind("n", Algorithm.SLIDING_WINDOW, List.of(Limit.parse("10/10s"))).peek("k", now)
                .remaining()).isEqualTo(10);
        third.reset("k");
        assertThat(second.peek("k", now).remaining()).isEqualTo(8);
        assertThat(first.peek("k", now).remaining()).isEqualTo(10);
    }

    @Test
    void commonLimitsPackAndTheRestRunTheReference() {
        InMemoryStore store = InMemoryStore.create();
        assertThat(store.bind("p1", Algorithm.TOKEN_BUCKET, List.of(Limit.perSecond(1_000_000_000))))
                .isInstanceOf(PackedBinding.class);
        assertThat(store.bind("p2", Algorithm.FIXED_WINDOW, List.of(Limit.perSecond(1_000_000_000))))
                .isInstanceOf(PackedBinding.class);
        assertThat(store.bind("p3", Algorithm.SLIDING_WINDOW, List.of(Limit.parse("100/1m"))))
                .isInstanceOf(PackedBinding.class);
        assertThat(store.bind("p4", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("100/1m").withBurst(500))))
                .isInstanceOf(PackedBinding.class);
        assertThat(store.bind("p5", Algorithm.SLIDING_LOG, List.of(Limit.parse("5/24h"))))
                .isInstanceOf(MemoryBinding.class);
        assertThat(store.bind("p6", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("10/1s"), Limit.parse("100/1m"))))
                .isInstanceOf(MemoryBinding.class);
        assertThat(store.bind("p7", Algorithm.SLIDING_WINDOW, List.of(Limit.perSecond(1_000_000_000))))
                .isInstanceOf(MemoryBinding.class);
        assertThat(store.bind("p8", Algorithm.TOKEN_BUCKET, List.of(Limit.perSecond(1_000_003))))
                .isInstanceOf(MemoryBinding.class);
    }

    @Test
    void aPackedKeyRejectsTimesItCannotEncodeAsAStoreFailure() {
        InMemoryStore store = InMemoryStore.create();
        StoreBinding binding = store.bind("p", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("10/1s")));
        assertThatThrownBy(() -> binding.tryAcquire("k", 1, -1)).isInstanceOf(StoreException.class)
                .hasMessageContaining("-1us");
        assertThatThrownBy(() -> binding.tryAcquire("k", 1, Long.MAX_VALUE)).isInstanceOf(StoreException.class);
        assertThat(binding.tryAcquire("k", 1, PackedAlgorithm.MIN_HORIZON_MICROS).allowed()).isTrue();
    }

    @Test
    void aFreshPackedKeyStartsWithTheFullAllowance() {
        Decision first = new PackedBinding(InMemoryStore.create(),
                PackedAlgorithm.of(Algorithm.TOKEN_BUCKET, Limit.perSecond(10))).tryAcquire("k", 1, T0);
        assertThat(first.allowed()).isTrue();
        assertThat(first.remaining()).isEqualTo(9);
    }
}
