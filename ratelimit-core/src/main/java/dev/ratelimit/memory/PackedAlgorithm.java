package dev.ratelimit.memory;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;

/**
 * An algorithm for one limit whose whole state fits in one {@code long} (a <em>word</em>), so the in-memory store
 * can keep it in a single field and update it with one compare-and-set, allocating nothing but the returned
 * {@link Decision}. Each implementation gives exactly the decisions of its reference
 * {@link dev.ratelimit.spi.StateTransition} (a differential test checks this on random sequences); only the
 * encoding differs.
 *
 * <p>Words are never negative, and the word {@code 0} means the same as no state at all (a full allowance), so a
 * new key starts at {@code 0}. Encodings are exact for times from the epoch up to {@link #maxNowMicros}, which is
 * at least {@link #MIN_HORIZON_MICROS} (the year 2112); limits whose numbers leave too few bits for that are not
 * packed and run the reference transition instead ({@link #of} returns null).
 *
 * <p>Stateless and thread-safe.
 */
abstract class PackedAlgorithm {

    /** {@link #spend} result for a request the limit does not allow. */
    static final long DENIED = -1;

    /** 2^52 microseconds after the epoch: September 2112. */
    static final long MIN_HORIZON_MICROS = 1L << 52;

    /** Largest time any encoding must represent; keeps every intermediate product below 2^63. */
    static final long MAX_HORIZON_MICROS = 1L << 62;

    final Limit limit;
    final long maxNowMicros;

    PackedAlgorithm(Limit limit, long maxNowMicros) {
        this.limit = limit;
        this.maxNowMicros = maxNowMicros;
    }

    /** The packed form of {@code algorithm} for the single limit {@code limit}, or null if it does not fit. */
    static PackedAlgorithm of(Algorithm algorithm, Limit limit) {
        return switch (algorithm) {
            case TOKEN_BUCKET -> PackedTokenBucket.fit(limit);
            case FIXED_WINDOW -> PackedFixedWindow.fit(limit);
            case SLIDING_WINDOW -> PackedSlidingWindow.fit(limit);
            case SLIDING_LOG -> null;
        };
    }

    /** The word after spending {@code permits} at {@code now}, or {@link #DENIED} if the limit does not allow. */
    abstract long spend(long word, long permits, long now);

    /** The decision for a request whose spend produced {@code next}. */
    abstract Decision allowed(long next, long now);

    /** The decision for a request of {@code permits} that {@link #spend} denied in state {@code word}. */
    abstract Decision denied(long word, long permits, long now);

    /**
     * The decision a request for zero permits gets in state {@code word}: usually allowed, but denied when the
     * key is over its limit (a sliding window's weighted estimate, or a token bucket after the clock stepped
     * back), as in the reference.
     */
    final Decision peek(long word, long now) {
        return spend(word, 0, now) == DENIED ? denied(word, 0, now) : unchanged(word, now);
    }

    /** The allowed decision for zero permits in state {@code word}, which {@link #spend} allows. */
    abstract Decision unchanged(long word, long now);

    /** The word after a penalty ({@code delta > 0}) or refund, as {@code StateTransition.adjust} specifies. */
    abstract long adjust(long word, long delta, long now);

    /**
     * Whether state {@code word} is back at full allowance at {@code now}, so the key may be dropped. With a clock
     * that moves forward this drops exactly the keys the reference's stamp ({@code state[0] <= now}) drops; after
     * the clock steps back, a word with nothing spent is dropped even if the reference's stamp, taken when it was
     * written, lies ahead.
     */
    abstract boolean full(long word, long now);

    /**
     * The reference state ({@link dev.ratelimit.spi.StateTransition}) this word encodes, for the one limit, so a
     * binding with changed limits can take the key over. Element 0 (the full-allowance time) is left 0: the
     * reference transition sets it on the next write, and the taking binding does not read it before then.
     */
    abstract long[] referenceState(long word);

    /** Bits needed to hold values 0..{@code max}. */
    static int bitsFor(long max) {
        return 64 - Long.numberOfLeadingZeros(max);
    }

    /**
     * The latest time at which window index {@code floor(now / period)} still fits in {@code indexBits} bits,
     * capped at {@link #MAX_HORIZON_MICROS}.
     */
    static long windowHorizon(int indexBits, long periodMicros) {
        if (indexBits < 1) {
            return -1;
        }
        long windows = 1L << Math.min(indexBits, 62);
        if (Math.multiplyHigh(windows, periodMicros) != 0 || windows * periodMicros < 0
                || windows * periodMicros > MAX_HORIZON_MICROS) {
            return MAX_HORIZON_MICROS - 1;
        }
        return windows * periodMicros - 1;
    }
}
