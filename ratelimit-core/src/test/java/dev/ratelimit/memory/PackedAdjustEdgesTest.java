package dev.ratelimit.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Refunds and penalties of any size, straight into the packed encodings and the reference transitions (without
 * the limiter, which clamps first): both stay exact and agree for deltas from {@code Long.MIN_VALUE} to
 * {@code Long.MAX_VALUE}, on random states including ones left by a clock that stepped back. The regression: a
 * delta times the emission interval overflowed, so a refund of 10^14 on {@code 10/s} left the bucket 267,000
 * years in debt and a penalty of 10^14 did nothing.
 */
class PackedAdjustEdgesTest {

    private static final long T0 = 4_102_444_800_000_000L;
    private static final long[] DELTAS = {
        1, 2, 3, -1, -3, 10, -10, 100_000_000_000_000L, -100_000_000_000_000L, Limit.MAX_PERMITS, -Limit.MAX_PERMITS,
        Long.MAX_VALUE, -Long.MAX_VALUE, Long.MIN_VALUE,
    };
    private static final List<Limit> LIMITS = List.of(
            Limit.parse("10/1s"), Limit.parse("3/1s"), Limit.parse("7/10s"), Limit.parse("3/1s burst 20"),
            Limit.parse("1000000/1s"), Limit.parse("1/1d"), Limit.parse("60/1m burst 1"));

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "FIXED_WINDOW", "SLIDING_WINDOW"})
    void packedAndReferenceAgreeOnAdjustmentsOfAnySize(Algorithm algorithm) {
        StateTransition reference = StateTransition.of(algorithm);
        int compared = 0;
        for (Limit limit : LIMITS) {
            if (limit.hasBurst() && algorithm != Algorithm.TOKEN_BUCKET) {
                continue;
            }
            PackedAlgorithm packed = PackedAlgorithm.of(algorithm, limit);
            if (packed == null) {
                continue;
            }
            List<Limit> limits = List.of(limit);
            for (int seed = 0; seed < 40; seed++) {
                Random random = new Random(seed);
                long now = T0 + random.nextInt(1_000_000);
                long word = 0;
                long[] state = null;
                for (int step = 0; step < 60; step++) {
                    String at = algorithm + " " + limit + " seed " + seed + " step " + step;
                    if (random.nextInt(3) == 0) {
                        long delta = DELTAS[random.nextInt(DELTAS.length)];
                        word = packed.adjust(word, delta, now);
                        StateTransition.Result result = reference.adjust(state, limits, delta, now);
                        state = result.state();
                        assertThat(packed.peek(word, now)).as(at + " adjust " + delta).isEqualTo(result.decision());
                        Decision after = result.decision();
                        if (delta >= limit.capacity()) {
                            assertThat(after.remaining()).as(at + " penalty empties").isZero();
                        }
                        compared++;
                    } else {
                        long permits = 1 + random.nextInt((int) Math.min(limit.capacity(), 5));
                        StateTransition.Result result = reference.apply(state, limits, permits, now);
                        long next = packed.spend(word, permits, now);
                        Decision decision = next == PackedAlgorithm.DENIED
                                ? packed.denied(word, permits, now) : packed.allowed(next, now);
                        assertThat(decision).as(at + " acquire " + permits).isEqualTo(result.decision());
                        if (next != PackedAlgorithm.DENIED) {
                            word = next;
                        }
                        state = result.state();
                    }
                    long period = limit.periodMicros();
                    now += random.nextInt(8) == 0 ? -random.nextLong(period) : random.nextLong(period / 3 + 1);
                }
            }
        }
        assertThat(compared).isGreaterThan(1_000);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void referenceRefundsOfAnySizeFillAndPenaltiesEmpty(Algorithm algorithm) {
        StateTransition reference = StateTransition.of(algorithm);
        List<Limit> limits = algorithm == Algorithm.TOKEN_BUCKET
                ? List.of(Limit.parse("10/1s"), Limit.parse("1000/1h burst 5000"))
                : List.of(Limit.parse("10/1s"), Limit.parse("1000/1h"));
        for (long delta : DELTAS) {
            if (delta < 10 && delta > -10) {
                continue;
            }
            long[] spent = reference.apply(null, limits, 10, T0).state();
            StateTransition.Result result = reference.adjust(spent, limits, delta, T0);
            assertThat(result.decision().remaining()).as("%s delta %d", algorithm, delta).isEqualTo(delta > 0 ? 0 : 10);
            assertThat(result.decision().allowed()).isTrue();
        }
    }

    /** A token bucket far in debt after the clock stepped back a long way: a refund moves the TAT exactly. */
    @org.junit.jupiter.api.Test
    void aSaturatedTokenBucketDebtIsRefundedExactly() {
        StateTransition reference = StateTransition.of(Algorithm.TOKEN_BUCKET);
        // A denominator of 10^9 makes the debt saturate (2^62 units) after the clock steps back about 77 minutes.
        List<Limit> limits = List.of(Limit.of(1_000_000_000_000_000L, Duration.ofSeconds(1)).withBurst(1_000));
        long[] state = reference.apply(null, limits, 1_000, T0).state();
        long back = T0 - Duration.ofHours(3).toNanos() / 1_000;
        StateTransition.Result refunded = reference.adjust(state, limits, -400, back);
        // The TAT moved back by exactly 400 intervals of 10^-9 us: 400 units of remainder, nothing else.
        long tatBefore = state[1] * 1_000_000_000L + state[2];
        long tatAfter = refunded.state()[1] * 1_000_000_000L + refunded.state()[2];
        assertThat(tatBefore - tatAfter).isEqualTo(400);
        assertThat(refunded.decision().remaining()).isZero();
        // A refund of any size from there cannot pass "now": it fills no more than the clock allows.
        StateTransition.Result huge = reference.adjust(state, limits, Long.MIN_VALUE, back);
        long hugeTat = huge.state()[1] * 1_000_000_000L + huge.state()[2];
        assertThat(tatBefore - hugeTat).isEqualTo(1_000);
    }
}
