package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.memory.InMemoryStore;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The local deny cache against the same limiter without it, on random mixed sequences (request sizes, penalties,
 * refunds, resets, peeks, the clock stepping back): a cached denial is never an allow, and its wait is exactly the
 * store's (never shorter). The regression: after a smaller request was allowed or after a penalty, the cache
 * answered with the wait it had cached before, shorter than the store's (about 1% of denials).
 */
class DenyCacheDifferentialTest {

    private static final List<List<Limit>> LIMITS = List.of(
            List.of(Limit.parse("10/1s")),
            List.of(Limit.parse("7/10s")),
            List.of(Limit.parse("3/1s burst 9")),
            List.of(Limit.parse("5/700ms"), Limit.parse("20/10s")));

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void cachedDenialsEqualTheStoresOnRandomMixedSequences(Algorithm algorithm) {
        int denials = 0;
        int cachedAnswers = 0;
        for (int seed = 0; seed < 60; seed++) {
            List<Limit> limits = LIMITS.get(seed % LIMITS.size());
            if (algorithm != Algorithm.TOKEN_BUCKET && limits.get(0).hasBurst()) {
                continue;
            }
            int[] counts = run(algorithm, limits, seed);
            denials += counts[0];
            cachedAnswers += counts[1];
        }
        assertThat(denials).as("denials compared").isGreaterThan(2_000);
        assertThat(cachedAnswers).as("denials answered from the cache").isGreaterThan(500);
    }

    /** Returns {denials compared, of which answered from the cache}. */
    private static int[] run(Algorithm algorithm, List<Limit> limits, long seed) {
        AtomicLong now = new AtomicLong(1_767_225_600_000_000L + seed * 7_919);
        CountingStore cachedStore = new CountingStore(InMemoryStore.builder().sweepExecutor(Runnable::run).build());
        RateLimiter cached = RateLimiter.builder().algorithm(algorithm).limits(limits).store(cachedStore)
                .timeSource(now::get).localDenyCache(100).build();
        RateLimiter plain = RateLimiter.builder().algorithm(algorithm).limits(limits)
                .store(InMemoryStore.builder().sweepExecutor(Runnable::run).build()).timeSource(now::get).build();
        Random random = new Random(seed);
        long capacity = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
        long period = limits.get(0).periodMicros();
        int denials = 0;
        int fromCache = 0;
        for (int step = 0; step < 400; step++) {
            String key = "k" + random.nextInt(2);
            int action = random.nextInt(40);
            String at = "seed " + seed + " step " + step + " key " + key + " " + algorithm + " " + limits;
            if (action == 0) {
                cached.reset(key);
                plain.reset(key);
            } else if (action <= 3) {
                long delta = 1 + random.nextInt(4);
                assertThat(cached.penalize(key, delta)).as(at + " penalize").isEqualTo(plain.penalize(key, delta));
            } else if (action <= 5) {
                long delta = 1 + random.nextInt(4);
                assertThat(cached.refund(key, delta)).as(at + " refund").isEqualTo(plain.refund(key, delta));
            } else if (action == 6) {
                assertThat(cached.peek(key)).as(at + " peek").isEqualTo(plain.peek(key));
            } else {
                long permits = random.nextInt(4) == 0 ? 1 + random.nextInt((int) capacity) : 1 + random.nextInt(2);
                long storeCalls = cachedStore.calls();
                Decision c = cached.tryAcquire(key, permits);
                Decision p = plain.tryAcquire(key, permits);
                boolean answeredFromCache = cachedStore.calls() == storeCalls;
                if (!p.allowed()) {
                    denials++;
                    if (answeredFromCache) {
                        fromCache++;
                    }
                }
                if (answeredFromCache) {
                    assertThat(c.allowed()).as(at + " cached answer to " + permits).isFalse();
                    assertThat(p.allowed()).as(at + " the store would have allowed " + permits).isFalse();
                    assertThat(c.retryAfterMicros()).as(at + " cached wait for " + permits + "; store: " + p)
                            .isEqualTo(p.retryAfterMicros());
                    assertThat(c.resetAfterMicros()).as(at + " cached reset " + c + "; store: " + p)
                            .isEqualTo(p.resetAfterMicros());
                    assertThat(c.limit()).as(at).isEqualTo(p.limit());
                    // remaining is as of the store's denial (documented), so it is not compared.
                } else {
                    assertThat(c).as(at + " permits " + permits).isEqualTo(p);
                }
            }
            int gap = random.nextInt(10);
            long advance = gap < 4 ? 0 : gap < 9 ? random.nextLong(period / 5) : random.nextLong(period * 2);
            // Now and then the clock steps back a little.
            now.addAndGet(random.nextInt(25) == 0 ? -random.nextLong(period / 3) : advance);
        }
        return new int[] {denials, fromCache};
    }

    /**
     * A denial computed before a concurrent spend (or penalty) on the same key, and returned after it, is not
     * cached: its wait is shorter than the store's now. The store holds the denial until the spend is done.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"allowed request", "penalty"})
    void aDenialRacingWithASpendOnAnotherThreadIsNotCached(String change) throws Exception {
        AtomicLong now = new AtomicLong(1_767_225_600_000_000L);
        java.util.concurrent.CountDownLatch computed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CountingStore store = new CountingStore(InMemoryStore.builder().sweepExecutor(Runnable::run).build());
        store.holdDenialsOf(5, computed, release);
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("10/1s")).store(store).timeSource(now::get)
                .localDenyCache(100).build();
        assertThat(limiter.tryAcquire("k", 8).allowed()).isTrue();
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Decision> racing = thread.submit(() -> limiter.tryAcquire("k", 5));
            assertThat(computed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            if (change.equals("penalty")) {
                limiter.penalize("k", 2);
            } else {
                assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
            }
            release.countDown();
            Decision stale = racing.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(stale.retryAfterMicros()).as("computed before the %s", change).isEqualTo(300_000);
        } finally {
            thread.shutdownNow();
        }
        long calls = store.calls();
        Decision again = limiter.tryAcquire("k", 5);
        assertThat(store.calls()).as("asked the store again").isEqualTo(calls + 1);
        assertThat(again.retryAfterMicros()).isEqualTo(500_000);
        assertThat(limiter.tryAcquire("k", 5).retryAfterMicros()).as("now cached, and exact").isEqualTo(500_000);
        assertThat(store.calls()).isEqualTo(calls + 1);
    }

    /** Counts calls into a store, to tell answers from the cache apart. */
    private static final class CountingStore implements dev.ratelimit.spi.RateLimitStore {
        private final dev.ratelimit.spi.RateLimitStore delegate;
        private final AtomicLong calls = new AtomicLong();

        CountingStore(dev.ratelimit.spi.RateLimitStore delegate) {
            this.delegate = delegate;
        }

        long calls() {
            return calls.get();
        }

        private long heldPermits = -1;
        private java.util.concurrent.CountDownLatch computed;
        private java.util.concurrent.CountDownLatch release;

        /** Once: a denial of {@code permits} is computed, reported through {@code computed}, then held. */
        void holdDenialsOf(long permits, java.util.concurrent.CountDownLatch computed,
                java.util.concurrent.CountDownLatch release) {
            this.heldPermits = permits;
            this.computed = computed;
            this.release = release;
        }

        @Override
        public dev.ratelimit.spi.StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
            dev.ratelimit.spi.StoreBinding binding = delegate.bind(namespace, algorithm, limits);
            return new dev.ratelimit.spi.StoreBinding() {
                @Override
                public Decision tryAcquire(String key, long permits, long nowMicros) {
                    calls.incrementAndGet();
                    Decision decision = binding.tryAcquire(key, permits, nowMicros);
                    if (permits == heldPermits && !decision.allowed()) {
                        heldPermits = -1;
                        computed.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return decision;
                }

                @Override
                public Decision peek(String key, long nowMicros) {
                    return binding.peek(key, nowMicros);
                }

                @Override
                public Decision adjust(String key, long delta, long nowMicros) {
                    return binding.adjust(key, delta, nowMicros);
                }

                @Override
                public void reset(String key) {
                    binding.reset(key);
                }
            };
        }
    }
}
