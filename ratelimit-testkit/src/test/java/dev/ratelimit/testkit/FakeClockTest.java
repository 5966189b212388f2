package dev.ratelimit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FakeClockTest {

    /** The example of {@link FakeClock}'s class comment, as written there. */
    @Test
    void classCommentExample() {
        FakeClock clock = new FakeClock();
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1/s")).timeSource(clock).build();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();               // allowed
        Decision denied = limiter.tryAcquire("k");                            // denied, retryAfter = 1s
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();               // allowed
    }

    @Test
    void sleepingAdvancesTheClockAndIsRecorded() throws InterruptedException {
        FakeClock clock = new FakeClock(Instant.parse("2030-01-01T00:00:00Z"));
        RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("2/1s")).timeSource(clock).build();
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.acquire("job", 1, Duration.ofSeconds(1)).allowed()).isTrue();
        }
        assertThat(clock.sleeps()).containsExactly(500_000L, 500_000L);
        assertThat(clock.now()).isEqualTo(Instant.parse("2030-01-01T00:00:01Z"));
        assertThat(clock.set(Instant.parse("2030-01-01T00:00:00.0000019Z")).nowMicros())
                .as("truncated to microseconds").isEqualTo(Instant.parse("2030-01-01T00:00:00Z").toEpochMilli() * 1_000 + 1);
        assertThatThrownBy(() -> new FakeClock(null)).isInstanceOf(NullPointerException.class).hasMessage("start");
    }
}
