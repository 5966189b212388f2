package dev.ratelimit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.memory.InMemoryStore;
import org.junit.jupiter.api.Test;

class CountingStoreTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void countsEachKindOfCallAndPassesDecisionsThrough() throws Exception {
        CountingStore counting = CountingStore.wrapping(InMemoryStore.create());
        RateLimiter counted = RateLimiter.builder().limit(Limit.parse("2/s")).store(counting).timeSource(clock)
                .build();
        RateLimiter plain = RateLimiter.builder().limit(Limit.parse("2/s")).timeSource(clock).build();

        for (int i = 0; i < 3; i++) {
            assertThat(counted.tryAcquire("k")).isEqualTo(plain.tryAcquire("k"));
        }
        Decision async = counted.tryAcquireAsync("k").toCompletableFuture().get();
        assertThat(async.allowed()).isFalse();
        counted.peek("k");
        counted.refund("k", 1);
        counted.penalize("k", 1);
        counted.reset("k");

        assertThat(counting.acquires()).isEqualTo(4);
        assertThat(counting.peeks()).isEqualTo(1);
        assertThat(counting.adjusts()).isEqualTo(2);
        assertThat(counting.resets()).isEqualTo(1);
        assertThat(counting.calls()).isEqualTo(8);
        assertThat(counting.toString()).endsWith(", acquires=4, peeks=1, adjusts=2, resets=1}");
    }
}
