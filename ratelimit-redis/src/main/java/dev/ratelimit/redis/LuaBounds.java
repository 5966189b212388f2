package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * The limits the Lua scripts evaluate exactly. Lua numbers are doubles, exact for integers up to 2<sup>53</sup>;
 * times are at most 2<sup>52</sup> microseconds ({@link RedisBinding#MAX_NOW_MICROS}), so a time plus an
 * interval below 2<sup>52</sup> also stays exact.
 */
final class LuaBounds {

    private static final long EXACT = 1L << 53;
    private static final long SPAN = 1L << 52;

    private LuaBounds() {
    }

    static void check(Algorithm algorithm, List<Limit> limits) {
        for (Limit limit : limits) {
            switch (algorithm) {
                case SLIDING_WINDOW -> {
                    // previous x (period - elapsed) and room x period are compared exactly.
                    if (Math.multiplyHigh(limit.permits(), limit.periodMicros()) != 0
                            || limit.permits() * limit.periodMicros() >= EXACT) {
                        throw tooLarge(limit, algorithm, "permits x period in microseconds must be below 2^53");
                    }
                }
                case TOKEN_BUCKET -> {
                    // The core checked 2 x capacity x numerator <= 2^62, so these products do not overflow a long.
                    long full = limit.capacity() * limit.intervalNumerator();
                    if (full + limit.intervalDenominator() > EXACT) {
                        throw tooLarge(limit, algorithm,
                                "capacity x reduced emission interval numerator + denominator must be at most 2^53");
                    }
                    if (full / limit.intervalDenominator() >= SPAN) {
                        throw tooLarge(limit, algorithm,
                                "the time to refill the whole bucket must be below 2^52 microseconds");
                    }
                }
                default -> {
                    // FIXED_WINDOW and SLIDING_LOG only add times, periods and counts below 2^53.
                }
            }
        }
    }

    private static IllegalArgumentException tooLarge(Limit limit, Algorithm algorithm, String rule) {
        return new IllegalArgumentException("limit " + limit + " is too large for the Redis store with " + algorithm
                + ": " + rule + " (Lua numbers are doubles); use a shorter period or fewer permits");
    }
}
