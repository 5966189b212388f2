package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;

/**
 * {@link dev.ratelimit.Algorithm#FIXED_WINDOW} in one word: {@code windowIndex << countBits | count}, where
 * {@code windowIndex = windowStart / period} and {@code countBits} holds the limit's permits. It is the
 * reference's {@code [windowStart, count]} pair; window starts are multiples of the period, so the index loses
 * nothing. Packed when the index bits left reach past {@link #MIN_HORIZON_MICROS} (for example up to 10^9
 * permits per second).
 */
final class PackedFixedWindow extends PackedAlgorithm {

    private final long permits;
    private final long period;
    private final int countBits;
    private final long countMask;

    private PackedFixedWindow(Limit limit, int countBits, long maxNowMicros) {
        super(limit, maxNowMicros);
        this.permits = limit.permits();
        this.period = limit.periodMicros();
        this.countBits = countBits;
        this.countMask = (1L << countBits) - 1;
    }

    static PackedFixedWindow fit(Limit limit) {
        int countBits = bitsFor(limit.permits());
        long maxNow = windowHorizon(63 - countBits, limit.periodMicros());
        return maxNow >= MIN_HORIZON_MICROS ? new PackedFixedWindow(limit, countBits, maxNow) : null;
    }

    /** The window in force at {@code now}: the stored one if it is current or later (clock stepped back). */
    private long index(long word, long now) {
        long stored = word >>> countBits;
        long start = stored * period;
        if (now >= start && now - start < period) {
            return stored;
        }
        return Math.max(stored, now / period);
    }

    @Override
    long[] referenceState(long word) {
        return new long[] {0, (word >>> countBits) * period, word & countMask, period};
    }

    private long count(long word, long index) {
        return word >>> countBits == index ? word & countMask : 0;
    }

    @Override
    long spend(long word, long requested, long now) {
        long index = index(word, now);
        long count = count(word, index);
        return requested <= permits - count ? index << countBits | (count + requested) : DENIED;
    }

    @Override
    Decision allowed(long next, long now) {
        long end = ((next >>> countBits) + 1) * period;
        return Decision.allowed(limit, permits - (next & countMask), end - now);
    }

    @Override
    Decision denied(long word, long requested, long now) {
        long index = index(word, now);
        long count = count(word, index);
        long untilEnd = (index + 1) * period - now;
        return Decision.denied(limit, Math.max(0, permits - count), count == 0 ? 0 : untilEnd, untilEnd);
    }

    @Override
    Decision unchanged(long word, long now) {
        long index = index(word, now);
        long count = count(word, index);
        return Decision.allowed(limit, Math.max(0, permits - count), count == 0 ? 0 : (index + 1) * period - now);
    }

    @Override
    long adjust(long word, long delta, long now) {
        long index = index(word, now);
        long count = count(word, index);
        // Beyond the limit a penalty or refund means the same as the limit; clamped, the sum cannot overflow.
        long change = Math.max(-permits, Math.min(permits, delta));
        long adjusted = delta > 0 ? Math.max(count, Math.min(permits, count + change)) : Math.max(0, count + change);
        return index << countBits | adjusted;
    }

    @Override
    boolean full(long word, long now) {
        return (word & countMask) == 0 || ((word >>> countBits) + 1) * period <= now;
    }
}
