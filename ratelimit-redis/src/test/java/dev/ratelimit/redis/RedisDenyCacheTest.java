package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testkit.CountingStore;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The core's local deny cache in front of a real Redis: one key floods at one request per 50 us (20,000/s) for
 * 1.5 seconds of an injected clock against 10/s, with a few requests for other keys and for more permits mixed in.
 * The same sequence runs through a limiter without the cache and one with it, each on its own Redis keys: every
 * decision agrees, and the cached limiter makes at least 100 times fewer Redis calls.
 */
class RedisDenyCacheTest {

    private static final int REQUESTS = 30_000;
    private static final long STEP_MICROS = 50;

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void oneFloodingKeyCostsOverHundredTimesFewerRedisCallsWithTheSameDecisions(Algorithm algorithm) {
        FakeClock clock = new FakeClock();
        CountingStore plainStore = CountingStore.wrapping(store("deny-plain:"));
        CountingStore cachedStore = CountingStore.wrapping(store("deny-cached:"));
        RateLimiter plain = RateLimiter.builder().limit(Limit.parse("10/1s")).algorithm(algorithm)
                .store(plainStore).timeSource(clock).namespace(algorithm.name()).build();
        RateLimiter cached = RateLimiter.builder().limit(Limit.parse("10/1s")).algorithm(algorithm)
                .store(cachedStore).timeSource(clock).namespace(algorithm.name()).localDenyCache(1_000).build();
        Random random = new Random(42);
        int floodAllowed = 0;
        for (int i = 0; i < REQUESTS; i++) {
            String key = random.nextInt(2_000) == 0 ? "other-" + random.nextInt(3) : "flood";
            long permits = random.nextInt(2_000) == 0 ? 2 + random.nextInt(2) : 1;
            Decision expected = plain.tryAcquire(key, permits);
            Decision actual = cached.tryAcquire(key, permits);
            assertThat(actual.allowed()).as("request %d for %s (%d permits)", i, key, permits)
                    .isEqualTo(expected.allowed());
            if (expected.allowed()) {
                assertThat(actual).as("request %d", i).isEqualTo(expected);
                floodAllowed += key.equals("flood") ? 1 : 0;
            } else {
                assertThat(actual.retryAfterMicros()).as("wait of request %d", i)
                        .isEqualTo(expected.retryAfterMicros());
                assertThat(actual.reason()).isEqualTo(expected.reason());
            }
            clock.advanceMicros(STEP_MICROS);
        }
        long without = plainStore.calls();
        long with = cachedStore.calls();
        assertThat(floodAllowed).as("the flood was admitted at the limit's rate").isBetween(10, 31);
        assertThat(without).isEqualTo(REQUESTS);
        assertThat(with * 100).as("%s: %d Redis calls without the deny cache, %d with it: %.0fx fewer", algorithm,
                without, with, (double) without / with).isLessThanOrEqualTo(without);
    }

    private static RedisStore store(String prefix) {
        // Caller time (the injected clock) drives the algorithms; the margin keeps keys alive in real time.
        return RedisStore.builder(TestRedis.standaloneClient()).keyPrefix(prefix).callerTime()
                .expiryMargin(Duration.ofHours(1)).build();
    }

}
