package dev.ratelimit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.testkit.FailingStore;
import dev.ratelimit.testkit.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MicrometerListenerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerListener metrics = MicrometerListener.create(registry);
    private final FakeClock clock = new FakeClock();

    @Test
    void decisionCountsEqualTheDecisionsMade() {
        InMemoryStore store = InMemoryStore.create();
        metrics.monitorKeys(store, "memory");
        RateLimiter api = RateLimiter.builder().limit(Limit.parse("10/1s")).name("api").store(store)
                .timeSource(clock).listener(metrics).build();
        RateLimiter uploads = RateLimiter.builder().limit(Limit.parse("5/1d")).algorithm(Algorithm.SLIDING_LOG)
                .namespace("uploads").store(store).timeSource(clock).listener(metrics).build();
        Random random = new Random(5);
        int allowed = 0;
        int denied = 0;
        for (int i = 0; i < 2_000; i++) {
            Decision d = api.tryAcquire("user-" + random.nextInt(20));
            if (d.allowed()) {
                allowed++;
            } else {
                denied++;
            }
            clock.advanceMicros(random.nextInt(20_000));
        }
        for (int i = 0; i < 8; i++) {
            uploads.tryAcquire("alice");
        }
        assertThat(count("ratelimit.decisions", "api", "outcome", "allowed")).isEqualTo(allowed);
        assertThat(count("ratelimit.decisions", "api", "outcome", "denied")).isEqualTo(denied);
        assertThat(count("ratelimit.decisions", "uploads", "outcome", "allowed")).isEqualTo(5);
        assertThat(count("ratelimit.decisions", "uploads", "outcome", "denied")).isEqualTo(3);
        assertThat(registry.get("ratelimit.store.latency").tag("limiter", "api").timer().count()).isEqualTo(2_000);
        assertThat(registry.get("ratelimit.keys").tag("store", "memory").gauge().value())
                .isEqualTo(store.keyCount()).isGreaterThan(20);
        assertThat(registry.getMeters()).noneMatch(m -> m.getId().getTags().stream()
                .anyMatch(t -> t.getValue().startsWith("user-")));
    }

    @Test
    void aRemovedLimiterLeavesNoMetersAndCountsAfreshIfItsNameComesBack() {
        InMemoryStore store = InMemoryStore.create();
        RateLimiter api = RateLimiter.builder().limit(Limit.parse("10/1s")).name("api").store(store)
                .timeSource(clock).listener(metrics).build();
        RateLimiter other = RateLimiter.builder().limit(Limit.parse("10/1s")).name("other").namespace("other")
                .store(store).timeSource(clock).listener(metrics).build();
        api.tryAcquire("k");
        other.tryAcquire("k");
        assertThat(count("ratelimit.decisions", "api", "outcome", "allowed")).isEqualTo(1);

        // As the HTTP engine reports it, through a composite listener.
        RateLimitListener.composite(java.util.List.of(metrics)).onLimiterRemoved("api");

        assertThat(registry.getMeters()).isNotEmpty()
                .noneMatch(m -> "api".equals(m.getId().getTag("limiter")));
        assertThat(count("ratelimit.decisions", "other", "outcome", "allowed")).isEqualTo(1);
        api.tryAcquire("k");
        assertThat(count("ratelimit.decisions", "api", "outcome", "allowed")).isEqualTo(1);
    }

    @Test
    void storeFailuresCountAsErrorsAndAsFailurePolicyActivations() {
        RateLimiter open = RateLimiter.builder().limit(Limit.parse("1/s")).name("open").store(FailingStore.failing("connection refused"))
                .timeSource(clock).listener(metrics).build();
        RateLimiter closed = RateLimiter.builder().limit(Limit.parse("1/s")).name("closed").store(FailingStore.failing("connection refused"))
                .failurePolicy(FailurePolicy.deny(Duration.ofSeconds(2))).timeSource(clock).listener(metrics).build();
        for (int i = 0; i < 3; i++) {
            open.tryAcquire("k");
        }
        closed.tryAcquire("k");
        assertThat(count("ratelimit.decisions", "open", "outcome", "error")).isEqualTo(3);
        assertThat(count("ratelimit.decisions", "open", "outcome", "allowed")).isZero();
        assertThat(count("ratelimit.failure.policy", "open", "outcome", "allowed")).isEqualTo(3);
        assertThat(count("ratelimit.failure.policy", "closed", "outcome", "denied")).isEqualTo(1);
        assertThat(registry.get("ratelimit.store.latency").tag("limiter", "open").timer().count()).isEqualTo(3);
    }

    @Test
    void everyMeterTagsTheDecisionAsOutcomeWithLowerCaseValues() {
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1/s")).name("api").timeSource(clock)
                .listener(metrics).build();
        limiter.tryAcquire("k");
        limiter.tryAcquire("k");
        RateLimiter failing = RateLimiter.builder().limit(Limit.parse("1/s")).name("down")
                .store(FailingStore.create()).timeSource(clock).listener(metrics).build();
        failing.tryAcquire("k");
        assertThat(registry.getMeters()).isNotEmpty().allSatisfy(meter -> {
            assertThat(meter.getId().getTags()).allSatisfy(tag -> assertThat(tag.getKey())
                    .isIn("limiter", "outcome", "store"));
            String outcome = meter.getId().getTag("outcome");
            if (outcome != null) {
                assertThat(outcome).isIn("allowed", "denied", "error");
            }
        });
        assertThat(registry.find("ratelimit.decisions").tags("outcome", "denied").counter()).isNotNull();
    }

    private double count(String name, String limiter, String tag, String value) {
        return registry.get(name).tag("limiter", limiter).tag(tag, value).counter().count();
    }
}
