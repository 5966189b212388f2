package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.event.Level;

/** The operational features: the local deny cache, the violation log, latency and composite listeners. */
class OperationsTest {

    private final AtomicLong now = new AtomicLong(1_767_225_600_000_000L);

    /**
     * One key flooding at one request per 10 us for 10 s against a 100/s limit, with a few requests for other
     * keys and other permit counts mixed in: with the deny cache every decision is the same as without it, and
     * the store sees over 100 times fewer calls.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void theDenyCacheKeepsEveryDecisionAndCutsStoreCallsOverHundredfold(Algorithm algorithm) {
        CountingStore plainStore = new CountingStore(InMemoryStore.create());
        CountingStore cachedStore = new CountingStore(InMemoryStore.create());
        RateLimiter plain = RateLimiter.builder().limit(Limit.parse("100/1s")).algorithm(algorithm)
                .store(plainStore).timeSource(now::get).build();
        RateLimiter cached = RateLimiter.builder().limit(Limit.parse("100/1s")).algorithm(algorithm)
                .store(cachedStore).timeSource(now::get).localDenyCache(10_000).build();
        Random random = new Random(99);
        int requests = 1_000_000;
        int allowed = 0;
        for (int i = 0; i < requests; i++) {
            boolean other = random.nextInt(1_000) == 0;
            String key = other ? "other-" + random.nextInt(5) : "flood";
            long permits = random.nextInt(1_000) == 0 ? 2 + random.nextInt(3) : 1;
            Decision expected = plain.tryAcquire(key, permits);
            Decision actual = cached.tryAcquire(key, permits);
            if (!actual.allowed() || !expected.allowed()) {
                assertThat(actual.allowed()).as("request %d for %s (%d permits)", i, key, permits)
                        .isEqualTo(expected.allowed());
                assertThat(actual.retryAfterMicros()).as("request %d", i).isEqualTo(expected.retryAfterMicros());
            } else {
                assertThat(actual).isEqualTo(expected);
                allowed++;
            }
            now.addAndGet(10);
        }
        assertThat(allowed).isGreaterThan(900);
        assertThat(plainStore.calls).hasValue(requests);
        assertThat(cachedStore.calls.get()).isLessThan(requests / 100);
        org.slf4j.LoggerFactory.getLogger(OperationsTest.class).info("{}: {} store calls without the deny cache, {}"
                + " with it ({}x fewer)", algorithm, plainStore.calls.get(), cachedStore.calls.get(),
                plainStore.calls.get() / cachedStore.calls.get());
    }

    @Test
    void aSmallerRequestThanTheDeniedOneStillAsksTheStore() {
        CountingStore store = new CountingStore(InMemoryStore.create());
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("5/1m")).algorithm(Algorithm.FIXED_WINDOW)
                .store(store).timeSource(now::get).localDenyCache(100).build();
        limiter.tryAcquire("k", 3);
        assertThat(limiter.tryAcquire("k", 3).allowed()).isFalse();
        assertThat(limiter.tryAcquire("k", 3).allowed()).isFalse();
        assertThat(store.calls).as("the repeat is answered locally").hasValue(2);
        assertThat(limiter.tryAcquire("k", 4).allowed()).isFalse();
        assertThat(store.calls).as("a larger request asks the store for its exact wait").hasValue(3);
        assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
        assertThat(store.calls).hasValue(4);
        limiter.reset("k");
        assertThat(limiter.tryAcquire("k", 5).allowed()).as("reset clears the cached denial").isTrue();
    }

    @Test
    void theViolationLogWritesDenialsAtTheConfiguredLevelAndLimitsItself() {
        RecordingLogger logger = new RecordingLogger();
        ViolationLog violations = ViolationLog.builder().level(Level.INFO).rate(Limit.parse("3/1m"))
                .logger(logger).timeSource(now::get).build();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1/1h")).timeSource(now::get).name("login")
                .listener(violations).build();
        limiter.tryAcquire("mallory");
        for (int i = 0; i < 1_000; i++) {
            limiter.tryAcquire("mallory");
        }
        assertThat(logger.lines).hasSize(3).allSatisfy(line -> assertThat(line)
                .startsWith("INFO Rate limit exceeded: limiter=login key=mallory permits=1 limit=1/1h retryAfter=PT")
                .contains("reason=LIMIT_EXCEEDED"));
        now.addAndGet(60_000_000);
        limiter.tryAcquire("mallory");
        assertThat(logger.lines).hasSize(4);
        assertThat(logger.lines.get(3)).endsWith("(997 earlier violations not logged)");
    }

    @Test
    void theViolationLogBuilderKeepsTheLastValueOfEachOptionAndRefusesABurst() {
        RecordingLogger first = new RecordingLogger();
        RecordingLogger logger = new RecordingLogger();
        AtomicLong otherNow = new AtomicLong(now.get());
        ViolationLog violations = ViolationLog.builder().level(Level.INFO).level(Level.ERROR)
                .rate(Limit.parse("100/1s")).rate(Limit.parse("2/1h"))
                .logger(first).logger(logger)
                .timeSource(now::get).timeSource(otherNow::get).build();
        assertThat(violations).hasToString("ViolationLog{level=ERROR, rate=2/1h, logger=null}");
        Decision denied = Decision.denied(Limit.parse("1/1s"), 0, 1_000_000, 1_000_000);
        for (int i = 0; i < 5; i++) {
            violations.onDenied("api", "k", 1, denied);
        }
        assertThat(first.lines).isEmpty();
        assertThat(logger.lines).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("ERROR "));
        now.addAndGet(3_600_000_000L);
        violations.onDenied("api", "k", 1, denied);
        assertThat(logger.lines).as("the clock set first does not pace the log").hasSize(2);
        otherNow.addAndGet(3_600_000_000L);
        violations.onDenied("api", "k", 1, denied);
        assertThat(logger.lines).hasSize(3);
        assertThat(logger.lines.get(2)).endsWith("(4 earlier violations not logged)");
        assertThatThrownBy(() -> ViolationLog.builder().rate(Limit.parse("10/1s burst 20")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate must not have a burst but was 10/1s burst 20");
        assertThatThrownBy(() -> ViolationLog.builder().rate(null))
                .isInstanceOf(NullPointerException.class).hasMessage("rate");
        assertThatThrownBy(() -> ViolationLog.builder().timeSource(null))
                .isInstanceOf(NullPointerException.class).hasMessage("timeSource");
    }

    @Test
    void listenersThatMeasureLatencyGetOneMeasurementPerStoreCallAndCompositesFanOut() {
        List<String> events = new ArrayList<>();
        RateLimitListener timing = new RateLimitListener() {
            @Override
            public boolean measuresStoreLatency() {
                return true;
            }

            @Override
            public void onStoreLatency(String limiter, long nanos) {
                events.add("latency " + limiter + " " + (nanos >= 0));
            }
        };
        RateLimitListener counting = new RateLimitListener() {
            @Override
            public void onDenied(String limiter, String key, long permits, Decision decision) {
                events.add("denied " + key);
            }

            @Override
            public void onAllowed(String limiter, String key, long permits, Decision decision) {
                throw new IllegalStateException("a broken listener must not stop the others");
            }
        };
        RateLimitListener both = RateLimitListener.composite(counting, timing);
        assertThat(both.measuresStoreLatency()).isTrue();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1/1h")).timeSource(now::get).name("x")
                .listener(both).build();
        limiter.tryAcquire("a");
        limiter.tryAcquire("a");
        assertThat(events).containsExactly("latency x true", "latency x true", "denied a");
        assertThat(RateLimitListener.composite(counting).measuresStoreLatency()).isFalse();
        assertThat(RateLimitListener.composite(List.of(counting, timing)).measuresStoreLatency()).isTrue();
        assertThatThrownBy(() -> RateLimitListener.composite(counting, null))
                .isInstanceOf(NullPointerException.class).hasMessage("listeners[1]");
        assertThatThrownBy(() -> RateLimitListener.composite(Arrays.asList(null, counting)))
                .isInstanceOf(NullPointerException.class).hasMessage("listeners[0]");
    }

    /** Counts the calls that reach the wrapped store. */
    static final class CountingStore implements RateLimitStore {
        final RateLimitStore delegate;
        final AtomicLong calls = new AtomicLong();

        CountingStore(RateLimitStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
            StoreBinding inner = delegate.bind(namespace, algorithm, limits);
            return new StoreBinding() {
                @Override
                public Decision tryAcquire(String key, long permits, long nowMicros) {
                    calls.incrementAndGet();
                    return inner.tryAcquire(key, permits, nowMicros);
                }

                @Override
                public Decision adjust(String key, long delta, long nowMicros) {
                    calls.incrementAndGet();
                    return inner.adjust(key, delta, nowMicros);
                }

                @Override
                public Decision peek(String key, long nowMicros) {
                    calls.incrementAndGet();
                    return inner.peek(key, nowMicros);
                }

                @Override
                public void reset(String key) {
                    calls.incrementAndGet();
                    inner.reset(key);
                }
            };
        }
    }
}
