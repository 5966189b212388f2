package dev.ratelimit.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each reference algorithm against a naive model written from the algorithm's definition alone (a log of
 * admissions, or a token count), on random limits and random request sequences. The models share no code or
 * state encoding with the reference; they agree only if the reference computes what its class comment says.
 * Each algorithm runs 400 seeded sequences (1 or 2 limits, 60 requests each); a failure names its seed.
 */
class ReferenceAgainstModelsTest {

    private static final int SEQUENCES = 400;

    private static final long START = 1_767_225_600_000_000L;

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void theReferenceMatchesTheModel(Algorithm algorithm) {
        for (long seed = 0; seed < SEQUENCES; seed++) {
            try {
                check(algorithm, new Random(seed), 1 + (int) (seed % 2));
            } catch (AssertionError e) {
                throw new AssertionError(algorithm + " differs from its model for seed " + seed, e);
            }
        }
    }

    private static void check(Algorithm algorithm, Random random, int limitCount) {
        List<Limit> limits = new ArrayList<>();
        while (limits.size() < limitCount) {
            Limit limit = Limit.of(1 + random.nextInt(12), Duration.ofNanos(1_000L * (1 + random.nextInt(3_000_000))));
            if (algorithm == Algorithm.TOKEN_BUCKET && random.nextBoolean()) {
                limit = limit.withBurst(1 + random.nextInt(20));
            }
            if (!limits.contains(limit)) {
                limits.add(limit);
            }
        }
        StateTransition reference = StateTransition.of(algorithm);
        List<LimitModel> models = new ArrayList<>();
        for (Limit limit : limits) {
            models.add(model(algorithm, limit));
        }
        long[] state = null;
        long now = START + random.nextInt(5_000_000);
        long longest = limits.stream().mapToLong(Limit::periodMicros).max().orElseThrow();
        for (int step = 0; step < 60; step++) {
            long capacity = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
            long permits = 1 + random.nextInt((int) Math.min(capacity, 4));
            StateTransition.Result result = reference.apply(state, limits, permits, now);
            Decision expected = expectedDecision(limits, models, permits, now);
            assertThat(result.decision()).as("step %d at %d: %s for %d permits", step, now - START, limits, permits)
                    .isEqualTo(expected);
            if (expected.allowed()) {
                for (LimitModel model : models) {
                    model.admit(now, permits);
                }
            } else {
                assertThat(result.state()).isSameAs(state);
            }
            state = result.state();
            int gap = random.nextInt(4);
            now += gap == 0 ? 0 : gap == 1 ? random.nextInt(1_000) : random.nextLong(longest + 1);
        }
    }

    /** The aggregation rule of {@link StateTransition}, over the models' per-limit answers. */
    private static Decision expectedDecision(List<Limit> limits, List<LimitModel> models, long permits, long now) {
        int denier = -1;
        long longestWait = 0;
        long remaining = Long.MAX_VALUE;
        for (int i = 0; i < limits.size(); i++) {
            LimitModel model = models.get(i);
            remaining = Math.min(remaining, model.available(now));
            if (!model.allows(now, permits)) {
                long wait = model.retryAfter(now, permits);
                if (wait > longestWait) {
                    longestWait = wait;
                    denier = i;
                }
            }
        }
        if (denier >= 0) {
            return Decision.denied(limits.get(denier), remaining, models.get(denier).resetAfter(now), longestWait);
        }
        List<LimitModel> after = new ArrayList<>();
        for (LimitModel model : models) {
            LimitModel copy = model.copy();
            copy.admit(now, permits);
            after.add(copy);
        }
        int tightest = 0;
        remaining = Long.MAX_VALUE;
        for (int i = 0; i < limits.size(); i++) {
            long available = after.get(i).available(now);
            if (available < remaining) {
                remaining = available;
                tightest = i;
            }
        }
        return Decision.allowed(limits.get(tightest), remaining, after.get(tightest).resetAfter(now));
    }

    private static LimitModel model(Algorithm algorithm, Limit limit) {
        return switch (algorithm) {
            case FIXED_WINDOW -> new FixedWindowModel(limit, new ArrayList<>());
            case SLIDING_WINDOW -> new SlidingWindowModel(limit, new ArrayList<>());
            case SLIDING_LOG -> new SlidingLogModel(limit, new ArrayList<>());
            case TOKEN_BUCKET -> new TokenBucketModel(limit, START - 1, limit.capacity() * limit.periodMicros());
        };
    }

    interface LimitModel {
        boolean allows(long now, long permits);

        long available(long now);

        long retryAfter(long now, long permits);

        long resetAfter(long now);

        void admit(long now, long permits);

        LimitModel copy();
    }

    /** Every admission: (time, permits). */
    abstract static class LogModel implements LimitModel {
        final Limit limit;
        final List<long[]> log;

        LogModel(Limit limit, List<long[]> log) {
            this.limit = limit;
            this.log = log;
        }

        long sumBetween(long fromInclusive, long toExclusive) {
            long sum = 0;
            for (long[] entry : log) {
                if (entry[0] >= fromInclusive && entry[0] < toExclusive) {
                    sum += entry[1];
                }
            }
            return sum;
        }

        @Override
        public void admit(long now, long permits) {
            log.add(new long[] {now, permits});
        }

        /** The first time from now on at which {@link #allows} holds, by binary search (allowance only grows). */
        long firstAllowed(long now, long permits, long horizon) {
            long lo = now;
            long hi = now + horizon;
            assertThat(allows(hi, permits)).as("allowed within the horizon").isTrue();
            while (lo < hi) {
                long mid = lo + (hi - lo) / 2;
                if (allows(mid, permits)) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo - now;
        }
    }

    static final class FixedWindowModel extends LogModel {
        FixedWindowModel(Limit limit, List<long[]> log) {
            super(limit, log);
        }

        long windowStart(long now) {
            return Math.floorDiv(now, limit.periodMicros()) * limit.periodMicros();
        }

        long count(long now) {
            return sumBetween(windowStart(now), windowStart(now) + limit.periodMicros());
        }

        @Override
        public boolean allows(long now, long permits) {
            return count(now) + permits <= limit.permits();
        }

        @Override
        public long available(long now) {
            return limit.permits() - count(now);
        }

        @Override
        public long retryAfter(long now, long permits) {
            return firstAllowed(now, permits, 2 * limit.periodMicros());
        }

        @Override
        public long resetAfter(long now) {
            return count(now) == 0 ? 0 : windowStart(now) + limit.periodMicros() - now;
        }

        @Override
        public LimitModel copy() {
            return new FixedWindowModel(limit, new ArrayList<>(log));
        }
    }

    static final class SlidingWindowModel extends LogModel {
        SlidingWindowModel(Limit limit, List<long[]> log) {
            super(limit, log);
        }

        /** estimate * period, exactly: previous * (period - elapsed) + current * period. */
        BigInteger scaledEstimate(long now) {
            long period = limit.periodMicros();
            long start = Math.floorDiv(now, period) * period;
            BigInteger previous = BigInteger.valueOf(sumBetween(start - period, start));
            BigInteger current = BigInteger.valueOf(sumBetween(start, start + period));
            return previous.multiply(BigInteger.valueOf(period - (now - start)))
                    .add(current.multiply(BigInteger.valueOf(period)));
        }

        @Override
        public boolean allows(long now, long permits) {
            BigInteger period = BigInteger.valueOf(limit.periodMicros());
            return scaledEstimate(now).add(BigInteger.valueOf(permits).multiply(period))
                    .compareTo(BigInteger.valueOf(limit.permits()).multiply(period)) <= 0;
        }

        @Override
        public long available(long now) {
            BigInteger period = BigInteger.valueOf(limit.periodMicros());
            BigInteger free = BigInteger.valueOf(limit.permits()).multiply(period).subtract(scaledEstimate(now));
            long whole = free.signum() <= 0 ? 0 : free.divide(period).longValue();
            return Math.max(0, whole);
        }

        @Override
        public long retryAfter(long now, long permits) {
            return firstAllowed(now, permits, 3 * limit.periodMicros());
        }

        @Override
        public long resetAfter(long now) {
            long period = limit.periodMicros();
            long start = Math.floorDiv(now, period) * period;
            if (sumBetween(start, start + period) > 0) {
                return start + 2 * period - now;
            }
            return sumBetween(start - period, start) > 0 ? start + period - now : 0;
        }

        @Override
        public LimitModel copy() {
            return new SlidingWindowModel(limit, new ArrayList<>(log));
        }
    }

    static final class SlidingLogModel extends LogModel {
        SlidingLogModel(Limit limit, List<long[]> log) {
            super(limit, log);
        }

        long count(long now) {
            return sumBetween(now - limit.periodMicros() + 1, Long.MAX_VALUE);
        }

        @Override
        public boolean allows(long now, long permits) {
            return count(now) + permits <= limit.permits();
        }

        @Override
        public long available(long now) {
            return limit.permits() - count(now);
        }

        @Override
        public long retryAfter(long now, long permits) {
            return firstAllowed(now, permits, limit.periodMicros() + 1);
        }

        @Override
        public long resetAfter(long now) {
            long newest = Long.MIN_VALUE;
            for (long[] entry : log) {
                newest = Math.max(newest, entry[0]);
            }
            return count(now) == 0 ? 0 : newest + limit.periodMicros() - now;
        }

        @Override
        public LimitModel copy() {
            return new SlidingLogModel(limit, new ArrayList<>(log));
        }
    }

    /**
     * A greedy token bucket with the token count scaled by the period: refilling L tokens per P microseconds adds
     * exactly L scaled units per microsecond, so the model is exact in integers without any GCRA encoding.
     */
    static final class TokenBucketModel implements LimitModel {
        final Limit limit;
        long last;
        long scaledTokens;

        TokenBucketModel(Limit limit, long last, long scaledTokens) {
            this.limit = limit;
            this.last = last;
            this.scaledTokens = scaledTokens;
        }

        long tokensAt(long now) {
            long full = limit.capacity() * limit.periodMicros();
            BigInteger refilled = BigInteger.valueOf(scaledTokens)
                    .add(BigInteger.valueOf(now - last).multiply(BigInteger.valueOf(limit.permits())));
            return refilled.min(BigInteger.valueOf(full)).longValueExact();
        }

        @Override
        public boolean allows(long now, long permits) {
            return tokensAt(now) >= permits * limit.periodMicros();
        }

        @Override
        public long available(long now) {
            return tokensAt(now) / limit.periodMicros();
        }

        @Override
        public long retryAfter(long now, long permits) {
            long missing = permits * limit.periodMicros() - tokensAt(now);
            return -Math.floorDiv(-missing, limit.permits());
        }

        @Override
        public long resetAfter(long now) {
            long missing = limit.capacity() * limit.periodMicros() - tokensAt(now);
            return -Math.floorDiv(-missing, limit.permits());
        }

        @Override
        public void admit(long now, long permits) {
            scaledTokens = tokensAt(now) - permits * limit.periodMicros();
            last = now;
        }

        @Override
        public LimitModel copy() {
            return new TokenBucketModel(limit, last, scaledTokens);
        }
    }
}
