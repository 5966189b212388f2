package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_767_225_600_000_000L);
    private final List<Long> slept = new ArrayList<>();
    private final TimeSource clock = new TimeSource() {
        @Override
        public long nowMicros() {
            return now.get();
        }

        @Override
        public void sleepMicros(long micros) {
            slept.add(micros);
            now.addAndGet(micros);
        }
    };

    private RateLimiter.Builder builder(String limit) {
        return RateLimiter.builder().limit(Limit.parse(limit)).timeSource(clock);
    }

    @Test
    void defaultsToAnInMemoryTokenBucket() {
        RateLimiter limiter = builder("2/s").build();
        assertThat(limiter.algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
        assertThat(limiter.name()).isEqualTo("rl");
        assertThat(limiter.limits()).containsExactly(Limit.parse("2/s"));
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void settingAnOptionAgainReplacesItTheLastCallWins() {
        AtomicLong otherNow = new AtomicLong(now.get() + 10_000_000);
        RateLimiter limiter = builder("1/s")
                .algorithm(Algorithm.SLIDING_LOG).algorithm(Algorithm.FIXED_WINDOW)
                .namespace("first").namespace("second")
                .name("a").name("b")
                .timeSource(otherNow::get)
                .timeout(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(2))
                .localDenyCache(100).localDenyCache(0)
                .build();
        assertThat(limiter.algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
        assertThat(limiter.name()).isEqualTo("b");
        RateLimiter unnamed = builder("1/s").namespace("first").namespace("second").build();
        assertThat(unnamed.name()).as("the name defaults to the last namespace").isEqualTo("second");
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        Decision denied = limiter.tryAcquire("k");
        assertThat(denied.allowed()).isFalse();
        // A fixed window aligned to the second of the clock set last: the wait is the rest of that second.
        assertThat(denied.retryAfterMicros()).isEqualTo(1_000_000 - Math.floorMod(otherNow.get(), 1_000_000));
    }

    @Test
    void theNamespaceSeparatesLimitersOnOneStore() {
        InMemoryStore store = InMemoryStore.create();
        RateLimiter a = builder("1/s").store(store).namespace("a").build();
        RateLimiter b = builder("1/s").store(store).namespace("b").build();
        assertThat(a.tryAcquire("k").allowed()).isTrue();
        assertThat(a.tryAcquire("k").allowed()).isFalse();
        assertThat(b.tryAcquire("k").allowed()).as("another namespace does not share the key").isTrue();
        assertThat(b.name()).isEqualTo("b");
    }

    @Test
    void theLocalDenyCacheIsOffAtZeroAndRefusesNegativeSizes() {
        OperationsTest.CountingStore store = new OperationsTest.CountingStore(InMemoryStore.create());
        RateLimiter off = builder("1/s").store(store).localDenyCache(0).build();
        for (int i = 0; i < 5; i++) {
            off.tryAcquire("k");
        }
        assertThat(store.calls).as("0 = off: every request asks the store").hasValue(5);
        OperationsTest.CountingStore cachedStore = new OperationsTest.CountingStore(InMemoryStore.create());
        RateLimiter cached = builder("1/s").store(cachedStore).localDenyCache(10).build();
        for (int i = 0; i < 5; i++) {
            cached.tryAcquire("k");
        }
        assertThat(cachedStore.calls).as("the first denial is cached").hasValue(2);
        assertThatThrownBy(() -> builder("1/s").localDenyCache(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("localDenyCache must be 0 (off) or a positive number of keys but was -1");
    }

    @Test
    void badBuilderInputIsRejectedAtTheCall() {
        assertThatThrownBy(() -> RateLimiter.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no limit");
        assertThatThrownBy(() -> builder("1/s").limit(Limit.parse("1/s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit 1/1s was already added");
        assertThatThrownBy(() -> builder("1/s").namespace(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("namespace must be 1 to 128 characters but was \"\"");
        assertThatThrownBy(() -> builder("1/s").namespace("n".repeat(129)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n".repeat(129));
        assertThatThrownBy(() -> builder("1/s").name("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must not be empty");
        assertThatThrownBy(() -> builder("1/s").name(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("name");
        assertThatThrownBy(() -> builder("1/s").namespace(null))
                .isInstanceOf(NullPointerException.class).hasMessage("namespace");
        assertThatThrownBy(() -> builder("1/s").limits(Limit.parse("2/s"), null))
                .isInstanceOf(NullPointerException.class).hasMessage("limits[1]");
        assertThatThrownBy(() -> builder("1/s").timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> builder("5/s burst 10").algorithm(Algorithm.FIXED_WINDOW).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5/1s burst 10").hasMessageContaining("FIXED_WINDOW");
        assertThatThrownBy(() -> builder("100001/1h").algorithm(Algorithm.SLIDING_LOG).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("100001/1h").hasMessageContaining("SLIDING_WINDOW");
        assertThatThrownBy(() -> builder("9000000000000/3650d").algorithm(Algorithm.SLIDING_WINDOW).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9000000000000/3650d");
    }

    @Test
    void badCallInputIsRejectedNamingTheValue() {
        RateLimiter limiter = builder("1/s").build();
        assertThatThrownBy(() -> limiter.tryAcquire(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("key");
        assertThatThrownBy(() -> limiter.acquire("k", 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("maxWait");
        assertThatThrownBy(() -> limiter.tryAcquire("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key must not be empty");
        assertThatThrownBy(() -> limiter.tryAcquire("k", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permits must be positive but was 0");
        assertThatThrownBy(() -> limiter.tryAcquireAsync("k", -3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permits must be positive but was -3");
        assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> limiter.refund("k", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but was 0");
    }

    @Test
    void blockingAcquirePacesABatchJobAtTheLimit() throws Exception {
        RateLimiter limiter = builder("50/s").algorithm(Algorithm.TOKEN_BUCKET).build();
        long start = now.get();
        for (int i = 0; i < 500; i++) {
            assertThat(limiter.acquire("upstream", 1, Duration.ofSeconds(1)).allowed()).isTrue();
        }
        // 50 come from the full bucket, the other 450 at 50 per second: 9 seconds, each wait 20 ms.
        assertThat(now.get() - start).isEqualTo(9_000_000);
        assertThat(slept).hasSize(450).allMatch(wait -> wait == 20_000);
    }

    @Test
    void blockingAcquireGivesUpAtOnceWhenTheWaitExceedsMaxWait() throws Exception {
        RateLimiter limiter = builder("1/1m").build();
        limiter.tryAcquire("k");
        Decision d = limiter.acquire("k", 1, Duration.ofSeconds(59));
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(slept).isEmpty();
        assertThat(limiter.acquire("k", 1, Duration.ofMinutes(1)).allowed()).isTrue();
        assertThat(slept).containsExactly(60_000_000L);
    }

    @Test
    void blockingAcquireStopsWhenInterrupted() {
        RateLimiter limiter = builder("1/1m").build();
        limiter.tryAcquire("k");
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ofHours(1)))
                .isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void failOpenAllowsAndReportsTheStoreError() {
        RecordingListener listener = new RecordingListener();
        RateLimiter limiter = builder("5/s").store(new BrokenStore()).listener(listener).name("api").build();
        Decision d = limiter.tryAcquire("k", 2);
        assertThat(d.allowed()).isTrue();
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(d.remaining()).isEqualTo(3);
        assertThat(listener.events).containsExactly("error api k store down", "allowed api k 2");
    }

    @Test
    void failClosedDeniesWithTheConfiguredRetryAfter() {
        RateLimiter limiter = builder("5/s").store(new BrokenStore())
                .failurePolicy(FailurePolicy.deny(Duration.ofSeconds(3))).build();
        Decision d = limiter.tryAcquire("k");
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(FailurePolicy.deny().toString()).contains("1000000us");
        assertThatThrownBy(() -> FailurePolicy.deny(Duration.ZERO)).hasMessageContaining("PT0S");
    }

    @Test
    void aFallbackLimiterDecidesWhenTheStoreFails() {
        RateLimiter local = builder("1/s").namespace("local").build();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("100/s")).timeSource(clock)
                .store(new BrokenStore()).failurePolicy(FailurePolicy.fallbackTo(local)).build();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        Decision second = limiter.tryAcquire("k");
        assertThat(second.allowed()).isFalse();
        assertThat(second.limit()).isEqualTo(Limit.parse("1/s"));
    }

    @Test
    void asyncCallsTimeOutIntoTheFailurePolicy() throws Exception {
        RecordingListener listener = new RecordingListener();
        RateLimiter limiter = builder("5/s").store(new HangingStore()).listener(listener)
                .failurePolicy(FailurePolicy.deny()).timeout(Duration.ofMillis(50)).build();
        Decision d = limiter.tryAcquireAsync("k").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(listener.events).first().asString().startsWith("error rl k");
    }

    @Test
    void asyncCallsOnAWorkingStoreGiveTheSameDecisions() throws Exception {
        RateLimiter limiter = builder("1/s").build();
        assertThat(limiter.tryAcquireAsync("k").toCompletableFuture().get().allowed()).isTrue();
        assertThat(limiter.tryAcquireAsync("k").toCompletableFuture().get().allowed()).isFalse();
    }

    @Test
    void theListenerHearsEveryDecisionAndItsFailuresAreContained() {
        RecordingListener listener = new RecordingListener();
        RateLimiter limiter = builder("1/s").listener(listener).build();
        limiter.tryAcquire("a");
        limiter.tryAcquire("a");
        limiter.tryAcquire("b", 2);
        assertThat(listener.events).containsExactly("allowed rl a 1", "denied rl a 1", "denied rl b 2");
        RateLimiter throwing = builder("1/s").listener(new RateLimitListener() {
            @Override
            public void onAllowed(String name, String key, long permits, Decision decision) {
                throw new IllegalStateException("listener bug");
            }
        }).build();
        assertThat(throwing.tryAcquire("a").allowed()).isTrue();
    }

    @Test
    void aRequestBeyondTheCapacityIsDeniedWithoutAskingTheStore() {
        RateLimiter limiter = builder("5/s").store(new BrokenStore()).failurePolicy(FailurePolicy.allow()).build();
        Decision d = limiter.tryAcquire("k", 6);
        assertThat(d.reason()).isEqualTo(Decision.Reason.EXCEEDS_CAPACITY);
        assertThat(d.retryAfterMicros()).isEqualTo(Decision.NEVER_MICROS);
    }

    /** Regression: EXCEEDS_CAPACITY's retryAfter() was ChronoUnit.FOREVER, and converting it threw. */
    @Test
    void neverIsAFiniteWaitThatConvertsWithoutOverflow() {
        RateLimiter limiter = builder("5/s").build();
        Decision d = limiter.tryAcquire("k", 6);
        assertThat(d.reason()).isEqualTo(Decision.Reason.EXCEEDS_CAPACITY);
        Duration never = d.retryAfter();
        assertThat(never.toNanos()).isEqualTo(Decision.NEVER_MICROS * 1_000);
        assertThat(never.toMillis()).isEqualTo(Decision.NEVER_MICROS / 1_000);
        assertThat(never).isGreaterThan(Duration.ofDays(365L * 290));
        assertThat(java.time.Instant.now().plus(never)).isAfter(java.time.Instant.parse("2300-01-01T00:00:00Z"));
        assertThat(Math.addExact(clock.nowMicros(), d.retryAfterMicros())).isPositive();
        // Longer than any wait a LIMIT_EXCEEDED denial can report for a limit the builder accepts.
        RateLimiter slowest = builder("1/1d burst 52124").build();
        slowest.tryAcquire("k", 52_124);
        Decision longWait = slowest.tryAcquire("k", 52_124);
        assertThat(longWait.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        assertThat(longWait.retryAfterMicros()).isLessThan(Decision.NEVER_MICROS);
        assertThat(longWait.retryAfter().toNanos()).isPositive();
    }

    @Test
    void storeFailuresOfAdministrativeCallsPropagate() {
        RateLimiter limiter = builder("5/s").store(new BrokenStore()).build();
        assertThatThrownBy(() -> limiter.peek("k")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> limiter.reset("k")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> limiter.refund("k", 1)).isInstanceOf(StoreException.class);
    }

    private static final class RecordingListener implements RateLimitListener {
        final List<String> events = new ArrayList<>();

        @Override
        public synchronized void onAllowed(String limiter, String key, long permits, Decision decision) {
            events.add("allowed " + limiter + " " + key + " " + permits);
        }

        @Override
        public synchronized void onDenied(String limiter, String key, long permits, Decision decision) {
            events.add("denied " + limiter + " " + key + " " + permits);
        }

        @Override
        public synchronized void onStoreError(String limiter, String key, Throwable error, Decision decision) {
            events.add("error " + limiter + " " + key + " " + error.getMessage());
        }
    }

    /** Stands in for an outage: every call fails. */
    private static final class BrokenStore implements RateLimitStore {
        @Override
        public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
            return new StoreBinding() {
                @Override
                public Decision tryAcquire(String key, long permits, long nowMicros) {
                    throw new StoreException("store down");
                }

                @Override
                public Decision adjust(String key, long delta, long nowMicros) {
                    throw new StoreException("store down");
                }

                @Override
                public Decision peek(String key, long nowMicros) {
                    throw new StoreException("store down");
                }

                @Override
                public void reset(String key) {
                    throw new StoreException("store down");
                }
            };
        }
    }

    /** Stands in for a store that never answers an asynchronous call. */
    private static final class HangingStore implements RateLimitStore {
        @Override
        public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
            return new StoreBinding() {
                @Override
                public Decision tryAcquire(String key, long permits, long nowMicros) {
                    throw new UnsupportedOperationException("only async is used here");
                }

                @Override
                public CompletionStage<Decision> tryAcquireAsync(String key, long permits, long nowMicros) {
                    return new CompletableFuture<>();
                }

                @Override
                public Decision adjust(String key, long delta, long nowMicros) {
                    throw new UnsupportedOperationException("only async is used here");
                }

                @Override
                public Decision peek(String key, long nowMicros) {
                    throw new UnsupportedOperationException("only async is used here");
                }

                @Override
                public void reset(String key) {
                    throw new UnsupportedOperationException("only async is used here");
                }
            };
        }
    }
}
