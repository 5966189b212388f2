package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;

/**
 * {@link dev.ratelimit.Algorithm#TOKEN_BUCKET} (GCRA) in one word: the theoretical arrival time as a count of
 * {@code 1 / denominator} microseconds since the epoch, {@code tat * denominator + remainder}, which is exactly
 * the reference's {@code [tatMicros, remainder]} pair. At {@code now} the bucket is short of
 * {@code debt = max(word, now * denominator) - now * denominator} units, one token being {@code numerator} units.
 * Packed when {@code 2^62 - 2 x capacity x numerator} units reach past {@link #MIN_HORIZON_MICROS}, which holds
 * for every limit whose reduced emission interval has a denominator up to about 1,000.
 */
final class PackedTokenBucket extends PackedAlgorithm {

    private final long capacity;
    private final long numerator;
    private final long denominator;
    private final long fullDebt;

    private PackedTokenBucket(Limit limit, long maxNowMicros) {
        super(limit, maxNowMicros);
        this.capacity = limit.capacity();
        this.numerator = limit.intervalNumerator();
        this.denominator = limit.intervalDenominator();
        this.fullDebt = capacity * numerator;
    }

    @Override
    long[] referenceState(long word) {
        return new long[] {0, word / denominator, word % denominator, limit.periodMicros(), limit.permits(),
            limit.capacity()};
    }

    static PackedTokenBucket fit(Limit limit) {
        // validate() rejects 2 x capacity x numerator > 2^62; checked again here so this encoding is safe alone.
        long fullDebt;
        try {
            fullDebt = Math.multiplyExact(limit.capacity(), limit.intervalNumerator());
        } catch (ArithmeticException tooLarge) {
            return null;
        }
        if (fullDebt > MAX_HORIZON_MICROS / 2) {
            return null;
        }
        long maxNow = (MAX_HORIZON_MICROS - 2 * fullDebt) / limit.intervalDenominator();
        return maxNow >= MIN_HORIZON_MICROS ? new PackedTokenBucket(limit, maxNow) : null;
    }

    @Override
    long spend(long word, long permits, long now) {
        long nowUnits = now * denominator;
        long tat = Math.max(word, nowUnits);
        return tat - nowUnits <= (capacity - permits) * numerator ? tat + permits * numerator : DENIED;
    }

    @Override
    Decision allowed(long next, long now) {
        long debt = next - now * denominator;
        return Decision.allowed(limit, remaining(debt), ceilDiv(debt));
    }

    @Override
    Decision denied(long word, long permits, long now) {
        long debt = debt(word, now);
        return Decision.denied(limit, remaining(debt), ceilDiv(debt),
                ceilDiv(debt - (capacity - permits) * numerator));
    }

    @Override
    Decision unchanged(long word, long now) {
        long debt = debt(word, now);
        return Decision.allowed(limit, remaining(debt), ceilDiv(debt));
    }

    @Override
    long adjust(long word, long delta, long now) {
        long debt = debt(word, now);
        // Beyond the capacity a penalty or refund means the same as the capacity; clamped, the product fits.
        long change = Math.max(-capacity, Math.min(capacity, delta)) * numerator;
        long adjusted = delta > 0 ? Math.max(debt, Math.min(fullDebt, debt + change)) : Math.max(0, debt + change);
        return now * denominator + adjusted;
    }

    @Override
    boolean full(long word, long now) {
        return word <= now * denominator;
    }

    private long debt(long word, long now) {
        long nowUnits = now * denominator;
        return Math.max(word, nowUnits) - nowUnits;
    }

    private long remaining(long debt) {
        long room = fullDebt - debt;
        return room <= 0 ? 0 : numerator == 1 ? room : room / numerator;
    }

    /** Whole microseconds covering {@code units} (never negative here); denominator is at most ~2^10. */
    private long ceilDiv(long units) {
        return denominator == 1 ? units : (units + denominator - 1) / denominator;
    }
}
