package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Token bucket refunds and penalties at the edges of the Lua script's arithmetic (issue 12, gap A), decision for
 * decision against the reference {@link StateTransition}. The regressions, found by the contract replay:
 * <ul>
 *   <li>{@code 9007199254740990/1m burst 4353479638} (replay seed 99, 300 sets): after the clock stepped back
 *       far, the debt saturated at 2<sup>62</sup> and a refund of 2 computed the new TAT from that saturated
 *       debt, forgiving almost all of it (admitting where the reference denies);</li>
 *   <li>{@code 9007199254740990/3650d burst 828} (replay seed 20261261783947, 300 sets): a penalty on a bucket
 *       emptier than empty rebuilt the TAT from a debt above 2<sup>53</sup> (inexact in doubles), answering a
 *       retryAfter of 15 ms instead of 585 days;</li>
 *   <li>{@code 44279/1h burst 2501997} (replay seed 20261261783947): a 1 us retryAfter error from the same
 *       rounding.</li>
 * </ul>
 * The script now moves the stored TAT as the reference does, every integer below 2<sup>53</sup>.
 */
class RedisTokenBucketEdgeTest {

    private static final RedisStore STORE = RedisStore.builder(TestRedis.standaloneClient())
            .keyPrefix("tb-edge:").callerTime().expiryMargin(Duration.ofHours(1)).build();
    private static final StateTransition REFERENCE = StateTransition.of(Algorithm.TOKEN_BUCKET);
    private static final long T0 = 4_102_444_800_000_000L;

    @AfterAll
    static void close() {
        STORE.close();
    }

    private static List<List<Limit>> edgeLimits() {
        return List.of(
                List.of(Limit.parse("9007199254740990/1m").withBurst(4_353_479_638L)),
                List.of(Limit.parse("9007199254740990/3650d").withBurst(828)),
                List.of(Limit.parse("44279/1h").withBurst(2_501_997)),
                List.of(Limit.parse("44279/1h").withBurst(2_501_997), Limit.parse("7/1s")),
                List.of(Limit.parse("3/1s").withBurst(20)));
    }

    @Test
    void refundsAndPenaltiesAfterTheClockStepsBackFarEqualTheReference() {
        int set = 0;
        for (List<Limit> limits : edgeLimits()) {
            StoreBinding binding = STORE.bind("edge-" + System.nanoTime() + "-" + set++, Algorithm.TOKEN_BUCKET,
                    limits);
            long capacity = limits.stream().mapToLong(Limit::capacity).max().orElseThrow();
            long period = limits.stream().mapToLong(Limit::periodMicros).max().orElseThrow();
            Random random = new Random(set);
            long[] state = null;
            long now = T0;
            for (int op = 0; op < 400; op++) {
                String at = limits + " op " + op + " at t=" + now;
                Decision expected;
                Decision actual;
                switch (random.nextInt(5)) {
                    case 0, 1 -> {
                        long permits = 1 + (random.nextBoolean() ? random.nextInt(3)
                                : Math.floorMod(random.nextLong(), capacity));
                        StateTransition.Result r = REFERENCE.apply(state, limits, permits, now);
                        state = r.state();
                        expected = r.decision();
                        actual = binding.tryAcquire("k", permits, now);
                    }
                    case 2 -> {
                        expected = REFERENCE.apply(state, limits, 0, now).decision();
                        actual = binding.peek("k", now);
                    }
                    default -> {
                        long size = switch (random.nextInt(4)) {
                            case 0 -> 1 + random.nextInt(3);
                            case 1 -> capacity;
                            case 2 -> 1 + Math.floorMod(random.nextLong(), capacity);
                            default -> Long.MAX_VALUE;
                        };
                        long delta = random.nextBoolean() ? size : -size;
                        StateTransition.Result r = REFERENCE.adjust(state, limits, delta, now);
                        state = r.state();
                        expected = r.decision();
                        actual = binding.adjust("k", delta, now);
                    }
                }
                assertThat(actual).as(at).isEqualTo(expected);
                // The clock: still, forward a little, or back by up to ten periods (never before 0).
                switch (random.nextInt(4)) {
                    case 0 -> { }
                    case 1 -> now += 1 + Math.floorMod(random.nextLong(), Math.max(1, period / 4));
                    case 2 -> now += random.nextInt(20_000);
                    default -> now = Math.max(0, now - 1 - Math.floorMod(random.nextLong(), 10 * period));
                }
                now = Math.min(now, RedisBinding.MAX_NOW_MICROS);
            }
        }
    }
}
