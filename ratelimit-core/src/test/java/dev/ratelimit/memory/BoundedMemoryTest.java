package dev.ratelimit.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, item 1: the in-memory store under a flood of distinct keys holds a bounded number of keys and bytes,
 * evicts instead of failing, and evicts the keys that lose least, so the keys being limited keep their state.
 */
class BoundedMemoryTest {

    private static final long T0 = 1_767_225_600_000_000L;
    private final AtomicLong now = new AtomicLong(T0);

    private RateLimiter limiter(InMemoryStore store, Algorithm algorithm, String limit) {
        return RateLimiter.builder().limit(Limit.parse(limit)).algorithm(algorithm).store(store)
                .timeSource(now::get).build();
    }

    /** A distinct key of {@code length} characters, built on the fly like an attacker's. */
    private static String longKey(String prefix, long i, int length) {
        StringBuilder key = new StringBuilder(length).append(prefix).append(i).append(':');
        while (key.length() < length) {
            key.append('x');
        }
        return key.toString();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void evictionTakesTheKeyThatHasSpentTheLeastFractionOfItsAllowance(Algorithm algorithm) {
        InMemoryStore store = InMemoryStore.builder().maximumKeys(4).build();
        RateLimiter limiter = limiter(store, algorithm, "10/1s");
        limiter.tryAcquire("spent", 10);
        limiter.tryAcquire("half", 5);
        limiter.tryAcquire("one", 1);
        limiter.tryAcquire("three", 3);
        assertThat(limiter.tryAcquire("fresh", 2).allowed()).isTrue();
        assertThat(store.keyCount()).isEqualTo(4);
        assertThat(limiter.peek("one").remaining()).as("evicted: forgotten").isEqualTo(10);
        assertThat(limiter.peek("spent").remaining()).isZero();
        assertThat(limiter.peek("half").remaining()).isEqualTo(5);
        assertThat(limiter.peek("three").remaining()).isEqualTo(7);
        assertThat(limiter.tryAcquire("next", 4).allowed()).isTrue();
        assertThat(limiter.peek("fresh").remaining()).as("the 2-spent key goes next").isEqualTo(10);
        assertThat(limiter.peek("three").remaining()).isEqualTo(7);
        assertThat(store.evictionCount()).isEqualTo(2);
    }

    @Test
    void aKeyBackAtFullAllowanceGoesBeforeAnySpentKey() {
        InMemoryStore store = InMemoryStore.builder().maximumKeys(3).sweepExecutor(task -> { }).build();
        RateLimiter limiter = limiter(store, Algorithm.TOKEN_BUCKET, "10/1s");
        limiter.tryAcquire("old", 1);
        now.addAndGet(900_000);
        limiter.tryAcquire("spent", 10);
        limiter.tryAcquire("recent", 1);
        now.addAndGet(200_000); // "old" is full again; "recent" has refilled too, but not "spent"
        limiter.tryAcquire("new", 1);
        assertThat(limiter.peek("spent").remaining()).isEqualTo(2);
        assertThat(limiter.peek("new").remaining()).isEqualTo(9);
        assertThat(store.keyCount()).isEqualTo(3);
    }

    /**
     * The attack: distinct long keys flood a capped store through a limiter with the default (fail-open)
     * policy. The keys stay bounded in count and bytes, no decision is a store failure, every denied key stays
     * denied throughout, and a new key is still limited at the end.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aFloodOfDistinctLongKeysKeepsTheDeniedKeysDeniedAndNewKeysLimited(Algorithm algorithm) {
        int cap = 1_000;
        InMemoryStore store = InMemoryStore.builder().maximumKeys(cap).sweepExecutor(Runnable::run).build();
        RateLimiter limiter = limiter(store, algorithm, "10/1h");
        List<String> limited = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String key = longKey("limited-", i, 2_000);
            limited.add(key);
            assertThat(limiter.tryAcquire(key, 10).allowed()).isTrue();
        }
        for (int i = 0; i < 40_000; i++) {
            Decision decision = limiter.tryAcquire(longKey("junk-", i, 2_000));
            assertThat(decision.reason()).as("junk %d", i).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            if (i % 500 == 0) {
                now.addAndGet(50_000); // 0.05 s: far less than one permit's refill
                for (String key : limited) {
                    assertThat(limiter.tryAcquire(key).reason()).as("limited key at junk %d", i)
                            .isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
                }
            }
            if (i % 1_000 == 0) {
                assertThat(store.keyCount()).isLessThanOrEqualTo(cap);
            }
        }
        assertThat(store.keyCount()).isLessThanOrEqualTo(cap);
        assertThat(store.estimatedBytes()).as("digests, not 2 KB keys")
                .isLessThanOrEqualTo(cap * (KeyBudget.ENTRY_BYTES + StoredKey.DIGEST_BYTES + 16 + 8 * 5));
        assertThat(store.evictionCount()).isGreaterThan(30_000);
        String newcomer = longKey("newcomer-", 0, 7_000);
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            admitted += limiter.tryAcquire(newcomer).allowed() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(10);
    }

    /** A limiter built without a store gets a bounded one: a flood past its bounds evicts, never grows. */
    @Test
    void theDefaultStoreStaysWithinItsDefaultBounds() {
        InMemoryStore store = InMemoryStore.create();
        RateLimiter limiter = limiter(store, Algorithm.TOKEN_BUCKET, "10/1h");
        assertThat(limiter.tryAcquire("limited", 10).allowed()).isTrue();
        long budget = InMemoryStore.defaultMaximumBytes();
        for (int i = 0; i < 600_000; i++) {
            assertThat(limiter.tryAcquire("k" + i).allowed()).isTrue();
        }
        assertThat(store.keyCount()).isLessThanOrEqualTo(InMemoryStore.DEFAULT_MAXIMUM_KEYS);
        assertThat(store.estimatedBytes()).isLessThanOrEqualTo(budget);
        assertThat(store.evictionCount()).isGreaterThan(600_000 - budget / 128);
        assertThat(limiter.tryAcquire("limited").allowed()).isFalse();
    }

    /** The key cap holds exactly under concurrent inserts, and the limited keys survive the flood. */
    @Test
    void theCapHoldsUnderConcurrentFloodsAndTheLimitedKeysSurvive() throws Exception {
        int cap = 512;
        int threads = 4;
        InMemoryStore store = InMemoryStore.builder().maximumKeys(cap).sweepExecutor(task -> { }).build();
        StoreBinding binding = store.bind("p", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("5/1s")));
        for (int i = 0; i < 20; i++) {
            assertThat(binding.tryAcquire("limited-" + i, 5, T0).allowed()).isTrue();
        }
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong overCap = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 30_000; i++) {
                        long at = T0 + i;
                        if (!binding.tryAcquire("t" + id + "-" + i, 1, at).allowed()) {
                            throw new AssertionError("fresh key t" + id + "-" + i + " denied");
                        }
                        if (i % 100 == 0 && binding.tryAcquire("limited-" + (i / 100 % 20), 1, at).allowed()) {
                            throw new AssertionError("limited key allowed at " + i);
                        }
                        if (store.keyCount() > cap + threads) {
                            overCap.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.await();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(overCap).as("transient reads above cap + threads").hasValue(0);
        assertThat(store.keyCount()).isLessThanOrEqualTo(cap);
        assertThat(((SweptBinding) binding).mappedKeys()).isLessThanOrEqualTo(cap);
        for (int i = 0; i < 20; i++) {
            assertThat(binding.peek("limited-" + i, T0 + 30_000).remaining()).as("limited-%d", i).isZero();
        }
        assertThat(store.evictionCount()).isGreaterThanOrEqualTo(threads * 30_000L - cap);
    }

    /** Sliding logs of large limits: the byte budget bounds them where a key count could not. */
    @Test
    void theByteBudgetBoundsLargeStatesAndKeepsTheSpentOnes() {
        InMemoryStore store = InMemoryStore.builder().maximumBytes(1L << 20).build();
        RateLimiter limiter = limiter(store, Algorithm.SLIDING_LOG, "1000/1h");
        for (int i = 0; i < 4; i++) {
            for (int p = 0; p < 1_000; p++) {
                now.incrementAndGet();
                assertThat(limiter.tryAcquire("spent-" + i).allowed()).isTrue();
            }
        }
        for (int k = 0; k < 400; k++) {
            for (int p = 0; p < 200; p++) {
                now.incrementAndGet();
                limiter.tryAcquire("busy-" + k);
            }
            assertThat(store.estimatedBytes()).as("after key %d", k).isLessThanOrEqualTo((1L << 20) + 16 * 1024);
        }
        assertThat(store.evictionCount()).isPositive();
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.tryAcquire("spent-" + i).allowed()).as("spent-%d", i).isFalse();
        }
    }

    @Test
    void longKeysAreHeldAsSha256DigestsAndShortKeysVerbatim() {
        String short64 = "k".repeat(64);
        assertThat(StoredKey.of(short64)).isSameAs(short64);
        Object digest = StoredKey.of("k".repeat(100));
        assertThat(digest).isInstanceOf(StoredKey.class)
                .hasToString("sha256:e37c7cb78ccb30f0e2036576d681d619949c8a9fb885c91a07da6b845788a9ce");
        assertThat(digest).isEqualTo(StoredKey.of("k".repeat(100))).isNotEqualTo(digest.toString())
                .hasSameHashCodeAs(StoredKey.of("k".repeat(100)));
        assertThat(StoredKey.bytes(digest)).isEqualTo(48);
        assertThat(StoredKey.bytes(short64)).isEqualTo(40 + 128);
    }

    @Test
    void longKeysDifferingInOneCharacterAreDifferentKeysAndNeverCollideWithShortOnes() {
        InMemoryStore store = InMemoryStore.create();
        for (Algorithm algorithm : new Algorithm[] {Algorithm.TOKEN_BUCKET, Algorithm.SLIDING_LOG}) {
            RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1/1h")).algorithm(algorithm)
                    .namespace(algorithm.name()).store(store).timeSource(now::get).build();
            String base = "x".repeat(5_000);
            assertThat(limiter.tryAcquire(base + "a").allowed()).isTrue();
            assertThat(limiter.tryAcquire(base + "a").allowed()).as("same long key, same state").isFalse();
            assertThat(limiter.tryAcquire(base + "b").allowed()).isTrue();
            assertThat(limiter.tryAcquire("y" + base.substring(1) + "a").allowed()).isTrue();
            // UTF-8 would turn a lone surrogate into '?': the two keys would share a digest.
            assertThat(limiter.tryAcquire(base + "\uD800").allowed()).isTrue();
            assertThat(limiter.tryAcquire(base + "?").allowed()).isTrue();
            // A short key spelling a long key's digest is still another key.
            String spelled = StoredKey.of(base + "a").toString();
            assertThat(limiter.tryAcquire(spelled.substring(0, 64)).allowed()).isTrue();
            assertThat(limiter.tryAcquire("k".repeat(64)).allowed()).isTrue();
            assertThat(limiter.tryAcquire("k".repeat(65)).allowed()).as("65 characters: digested, other key")
                    .isTrue();
            assertThat(limiter.tryAcquire("k".repeat(65)).allowed()).isFalse();
            limiter.reset(base + "a");
            assertThat(limiter.tryAcquire(base + "a").allowed()).as("reset reaches a digested key").isTrue();
        }
    }
}
