package dev.ratelimit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StateTransition;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The contract suite's random replay (see {@link RateLimitStoreContract#decisionsEqualTheReference}): limits from
 * {@link RandomLimits}, then a seeded sequence of requests, peeks, resets, refunds and penalties on three keys
 * while a {@link FakeClock} stands still, moves or steps back, each decision compared with the reference
 * {@link StateTransition}'s. Not thread-safe; one per test.
 */
final class ReferenceReplay {

    /** Base seed; {@code -Dratelimit.contract.seed=N} replays others. */
    static final long SEED = Long.getLong("ratelimit.contract.seed", 20_261_201L);
    /** Limit sets per algorithm; {@code -Dratelimit.contract.sets=N} draws more. */
    static final int SETS = Integer.getInteger("ratelimit.contract.sets", 10);
    private static final int STEPS = 120;
    private static final boolean STEPS_BACK =
            Boolean.parseBoolean(System.getProperty("ratelimit.contract.clockStepsBack", "true"));

    private final FakeClock clock;
    private final RandomLimits generator;
    private final Function<List<Limit>, RateLimiter> limiters;

    ReferenceReplay(FakeClock clock, RandomLimits generator, Function<List<Limit>, RateLimiter> limiters) {
        this.clock = clock;
        this.generator = generator;
        this.limiters = limiters;
    }

    /**
     * Replays one sequence: draws limits from {@code seed}, then requests, and compares every decision. Returns
     * false, having replayed nothing, if the store rejected the limits when the limiter was built: a store may be
     * stricter than the bounds its contract subclass states (the defaults are the core's), but it must say which
     * limit it rejects.
     */
    boolean run(Algorithm algorithm, long seed) {
        Random random = new Random(seed);
        List<Limit> limits = generator.limits(random, algorithm);
        RateLimiter limiter;
        try {
            limiter = limiters.apply(limits);
        } catch (IllegalArgumentException rejected) {
            assertThat(limits.stream().anyMatch(limit -> String.valueOf(rejected.getMessage())
                    .contains(limit.toString())))
                    .as("replay seed %d: the store rejected %s without naming the limit: %s", seed, limits,
                            rejected.getMessage())
                    .isTrue();
            return false;
        }
        StateTransition reference = StateTransition.of(algorithm);
        long longest = limits.stream().mapToLong(Limit::periodMicros).max().orElseThrow();
        long smallest = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
        long largest = limits.stream().mapToLong(Limit::capacity).max().orElseThrow();
        // Keep every time the sequence reaches (and a window or two beyond it) below the store's latest time.
        long latest = generator.bounds().maxTimeMicros() - 3 * longest;
        long start = Math.min(FakeClock.DEFAULT_START.toEpochMilli() * 1_000, latest - longest)
                - random.nextLong(1 + Math.min(longest, 1_000_000_000L));
        clock.advanceMicros(start - clock.nowMicros());
        Map<String, long[]> states = new HashMap<>();
        ArrayDeque<String> history = new ArrayDeque<>();
        for (int step = 0; step < STEPS; step++) {
            String key = "k" + random.nextInt(3);
            int action = random.nextInt(100);
            long now = clock.nowMicros();
            String op;
            Decision expected;
            Decision actual;
            if (action < 2) {
                op = "reset(" + key + ")";
                limiter.reset(key);
                states.remove(key);
                expected = null;
                actual = null;
            } else if (action < 7) {
                op = "peek(" + key + ")";
                expected = reference.apply(states.get(key), limits, 0, now).decision();
                actual = limiter.peek(key);
            } else if (action < 17) {
                long amount = adjustment(random, smallest, largest);
                boolean refund = random.nextBoolean();
                op = (refund ? "refund(" : "penalize(") + key + ", " + amount + ")";
                StateTransition.Result result = reference.adjust(states.get(key), limits,
                        refund ? -amount : amount, now);
                states.put(key, result.state());
                expected = result.decision();
                actual = refund ? limiter.refund(key, amount) : limiter.penalize(key, amount);
            } else {
                long permits = permits(random, smallest);
                op = "tryAcquire(" + key + ", " + permits + ")";
                actual = limiter.tryAcquire(key, permits);
                if (permits > smallest) {
                    expected = null;
                    assertThat(actual.reason()).as(() -> failure(seed, algorithm, limits, history, op, now))
                            .isEqualTo(Decision.Reason.EXCEEDS_CAPACITY);
                } else {
                    StateTransition.Result result = reference.apply(states.get(key), limits, permits, now);
                    states.put(key, result.state());
                    expected = result.decision();
                }
            }
            if (expected != null) {
                assertThat(actual).as(() -> failure(seed, algorithm, limits, history, op, now)).isEqualTo(expected);
            }
            if (history.size() == 12) {
                history.removeFirst();
            }
            history.addLast("t=" + now + " " + op + " -> " + (actual == null ? "done" : actual));
            advance(random, longest, start, latest);
        }
        return true;
    }

    /** Moves the clock: often not at all, mostly by up to a quarter period, sometimes by 1.5 periods or back. */
    private void advance(Random random, long longest, long start, long latest) {
        int gap = random.nextInt(20);
        long step;
        if (gap < 6) {
            step = 0;
        } else if (gap < 17) {
            step = random.nextLong(Math.max(1, longest / 4));
        } else if (gap < 19) {
            step = random.nextLong(Math.max(1, longest * 3 / 2));
        } else {
            step = STEPS_BACK ? -random.nextLong(Math.max(1, longest)) : 0;
        }
        long now = clock.nowMicros();
        if (now + step > latest) {
            step = STEPS_BACK ? -random.nextLong(Math.max(1, Math.min(longest, now - start + 1))) : 0;
        }
        clock.advanceMicros(Math.max(step, start - now));
    }

    private static long permits(Random random, long smallest) {
        int kind = random.nextInt(20);
        if (kind < 12) {
            return 1 + random.nextInt(3);
        }
        if (kind < 15) {
            return smallest;
        }
        if (kind < 18) {
            return 1 + random.nextLong(smallest);
        }
        return kind == 18 ? smallest / 2 + 1 : smallest + 1;
    }

    private static long adjustment(Random random, long smallest, long largest) {
        return switch (random.nextInt(12)) {
            case 0 -> smallest;
            case 1 -> smallest + 1;
            case 2 -> largest;
            case 3 -> largest + 1;
            case 4 -> 100_000_000_000_000L;
            case 5 -> Long.MAX_VALUE;
            default -> 1 + random.nextInt(3);
        };
    }

    private static String failure(long seed, Algorithm algorithm, List<Limit> limits, Iterable<String> history,
            String op, long now) {
        StringBuilder sb = new StringBuilder("replay seed ").append(seed).append(" (base -Dratelimit.contract.seed=")
                .append(SEED).append("), ").append(algorithm).append(' ').append(limits).append(", at t=")
                .append(now).append(": ").append(op).append("; the operations before it on this limiter:");
        for (String line : history) {
            sb.append("\n    ").append(line);
        }
        return sb.toString();
    }
}
