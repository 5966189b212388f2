package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;

/**
 * {@link dev.ratelimit.Algorithm#SLIDING_WINDOW} in one word:
 * {@code windowIndex << 2 countBits | previous << countBits | current}, the reference's
 * {@code [windowStart, previous, current]}. Two counts and an index share 63 bits, so only limits with modest
 * permits are packed (about 10^4 per second, 10^5 per minute, 10^6 per hour); larger ones run the reference
 * transition.
 */
final class PackedSlidingWindow extends PackedAlgorithm {

    private final long permits;
    private final long period;
    private final int countBits;
    private final long countMask;

    private PackedSlidingWindow(Limit limit, int countBits, long maxNowMicros) {
        super(limit, maxNowMicros);
        this.permits = limit.permits();
        this.period = limit.periodMicros();
        this.countBits = countBits;
        this.countMask = (1L << countBits) - 1;
    }

    static PackedSlidingWindow fit(Limit limit) {
        // previous x period must fit; validate() rejects permits x period > 2^62, checked again to be safe alone.
        if (Math.multiplyHigh(limit.permits(), limit.periodMicros()) != 0
                || limit.permits() * limit.periodMicros() < 0
                || limit.permits() * limit.periodMicros() > MAX_HORIZON_MICROS) {
            return null;
        }
        int countBits = bitsFor(limit.permits());
        long maxNow = windowHorizon(63 - 2 * countBits, limit.periodMicros());
        return maxNow >= MIN_HORIZON_MICROS ? new PackedSlidingWindow(limit, countBits, maxNow) : null;
    }

    private long index(long word, long now) {
        long stored = word >>> (2 * countBits);
        long start = stored * period;
        if (now >= start && now - start < period) {
            return stored;
        }
        return Math.max(stored, now / period);
    }

    @Override
    long[] referenceState(long word) {
        return new long[] {0, (word >>> (2 * countBits)) * period, (word >>> countBits) & countMask,
            word & countMask, period};
    }

    private long previous(long word, long index) {
        long stored = word >>> (2 * countBits);
        if (stored == index) {
            return (word >>> countBits) & countMask;
        }
        return stored == index - 1 ? word & countMask : 0;
    }

    private long current(long word, long index) {
        return word >>> (2 * countBits) == index ? word & countMask : 0;
    }

    private long pack(long index, long previous, long current) {
        return index << (2 * countBits) | previous << countBits | current;
    }

    /** previous * (period - elapsed): the previous window's weight, scaled by the period. */
    private long weightedPrevious(long previous, long start, long now) {
        return previous * (period - Math.max(0, now - start));
    }

    private long available(long index, long previous, long current, long now) {
        long weighted = weightedPrevious(previous, index * period, now);
        return Math.max(0, permits - current - (weighted + period - 1) / period);
    }

    private long resetAfter(long index, long previous, long current, long now) {
        if (current > 0) {
            return (index + 2) * period - now;
        }
        return previous > 0 ? (index + 1) * period - now : 0;
    }

    @Override
    long spend(long word, long requested, long now) {
        long index = index(word, now);
        long previous = previous(word, index);
        long current = current(word, index);
        long room = permits - current - requested;
        if (room >= 0 && weightedPrevious(previous, index * period, now) <= room * period) {
            return pack(index, previous, current + requested);
        }
        return DENIED;
    }

    @Override
    Decision allowed(long next, long now) {
        long index = next >>> (2 * countBits);
        long previous = (next >>> countBits) & countMask;
        long current = next & countMask;
        return Decision.allowed(limit, available(index, previous, current, now),
                resetAfter(index, previous, current, now));
    }

    @Override
    Decision denied(long word, long requested, long now) {
        long index = index(word, now);
        long previous = previous(word, index);
        long current = current(word, index);
        long start = index * period;
        long room = permits - current - requested;
        long wait;
        if (room >= 0) {
            wait = start + (period - room * period / previous) - now;
        } else {
            long nextRoom = permits - requested;
            long elapsed = current == 0 ? 0 : Math.max(0, period - nextRoom * period / current);
            wait = start + period + elapsed - now;
        }
        return Decision.denied(limit, available(index, previous, current, now),
                resetAfter(index, previous, current, now), wait);
    }

    @Override
    Decision unchanged(long word, long now) {
        long index = index(word, now);
        long previous = previous(word, index);
        long current = current(word, index);
        return Decision.allowed(limit, available(index, previous, current, now),
                resetAfter(index, previous, current, now));
    }

    @Override
    long adjust(long word, long delta, long now) {
        long index = index(word, now);
        long previous = previous(word, index);
        long current = current(word, index);
        // Beyond the limit a penalty or refund means the same as the limit; clamped, the sum cannot overflow.
        long change = Math.max(-permits, Math.min(permits, delta));
        long adjusted = delta > 0
                ? Math.max(current, Math.min(permits, current + change)) : Math.max(0, current + change);
        return pack(index, previous, adjusted);
    }

    @Override
    boolean full(long word, long now) {
        long index = word >>> (2 * countBits);
        if ((word & countMask) > 0) {
            return (index + 2) * period <= now;
        }
        return ((word >>> countBits) & countMask) == 0 || (index + 1) * period <= now;
    }
}
