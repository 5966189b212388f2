package dev.ratelimit.internal;

import dev.ratelimit.Limit;
import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks core repeats at its boundaries, each failing with a message that names the parameter and
 * the bad value: a null argument throws {@link NullPointerException} naming the parameter, any other bad value
 * an {@link IllegalArgumentException} naming the value. Not API (see the package comment); stateless and
 * thread-safe.
 */
public final class Check {

    private Check() {
    }

    /**
     * Checks a limiter key: not null, not empty.
     *
     * @param key the key a caller passed
     * @return {@code key}
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty
     */
    public static String key(String key) {
        return notEmpty("key", key);
    }

    /**
     * Checks that a string is not null and not empty.
     *
     * @param name the parameter's name, for the messages
     * @param value the string a caller passed
     * @return {@code value}
     * @throws NullPointerException if value is null
     * @throws IllegalArgumentException if value is empty
     */
    public static String notEmpty(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    /**
     * Checks a count of permits to acquire, refund or penalize: at least 1.
     *
     * @param permits the count a caller passed
     * @return {@code permits}
     * @throws IllegalArgumentException if permits is zero or negative
     */
    public static long permits(long permits) {
        return positive("permits", permits);
    }

    /**
     * Checks a store adjustment: non-zero and at most {@link Limit#MAX_PERMITS} in magnitude (a positive delta is
     * a penalty, a negative one a refund).
     *
     * @param delta the adjustment a caller passed
     * @return {@code delta}
     * @throws IllegalArgumentException if delta is zero or larger than {@link Limit#MAX_PERMITS} in magnitude
     */
    public static long delta(long delta) {
        if (delta == 0 || delta > Limit.MAX_PERMITS || delta < -Limit.MAX_PERMITS) {
            throw new IllegalArgumentException(
                    "delta must be non-zero and at most " + Limit.MAX_PERMITS + " in magnitude but was " + delta);
        }
        return delta;
    }

    /**
     * Checks that a number is at least 1.
     *
     * @param name the parameter's name, for the message
     * @param value the value a caller passed
     * @return {@code value}
     * @throws IllegalArgumentException if value is zero or negative
     */
    public static long positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive but was " + value);
        }
        return value;
    }

    /**
     * Checks that a number is not zero.
     *
     * @param name the parameter's name, for the message
     * @param value the value a caller passed
     * @return {@code value}
     * @throws IllegalArgumentException if value is zero
     */
    public static long nonZero(String name, long value) {
        if (value == 0) {
            throw new IllegalArgumentException(name + " must be non-zero but was 0");
        }
        return value;
    }

    /**
     * Checks that a number is zero or more.
     *
     * @param name the parameter's name, for the message
     * @param value the value a caller passed
     * @return {@code value}
     * @throws IllegalArgumentException if value is negative
     */
    public static long notNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative but was " + value);
        }
        return value;
    }

    /**
     * Checks that a number is at least {@code min}.
     *
     * @param name the parameter's name, for the message
     * @param value the value a caller passed
     * @param min the smallest value allowed
     * @return {@code value}
     * @throws IllegalArgumentException if value is less than min
     */
    public static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + " but was " + value);
        }
        return value;
    }

    /**
     * Checks that a number lies in {@code [min, max]}.
     *
     * @param name the parameter's name, for the message
     * @param value the value a caller passed
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return {@code value}
     * @throws IllegalArgumentException if value is less than min or more than max
     */
    public static long between(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + " must be between " + min + " and " + max + " but was " + value);
        }
        return value;
    }

    /**
     * Checks that a string is not null and has {@code 1..maxLength} characters.
     *
     * @param name the parameter's name, for the messages
     * @param value the string a caller passed
     * @param maxLength the most characters allowed
     * @return {@code value}
     * @throws NullPointerException if value is null
     * @throws IllegalArgumentException if value is empty or longer than maxLength
     */
    public static String text(String name, String value, int maxLength) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty() || value.length() > maxLength) {
            throw new IllegalArgumentException(name + " must be 1 to " + maxLength + " characters but was \""
                    + (value.length() > 2 * maxLength ? value.substring(0, maxLength) + "...\" (" + value.length()
                    + " characters)" : value + "\""));
        }
        return value;
    }

    /**
     * Checks that a duration is not null and longer than zero.
     *
     * @param name the parameter's name, for the messages
     * @param value the duration a caller passed
     * @return {@code value}
     * @throws NullPointerException if value is null
     * @throws IllegalArgumentException if value is zero or negative
     */
    public static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive but was " + value);
        }
        return value;
    }

    /**
     * Checks that a duration is not null and not negative.
     *
     * @param name the parameter's name, for the messages
     * @param value the duration a caller passed
     * @return {@code value}
     * @throws NullPointerException if value is null
     * @throws IllegalArgumentException if value is negative
     */
    public static Duration notNegative(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be zero or positive but was " + value);
        }
        return value;
    }

    /**
     * Checks that a duration is at least one microsecond and converts it to whole microseconds (any
     * sub-microsecond part dropped), saturating at {@link Long#MAX_VALUE} for durations longer than about 292,000
     * years instead of overflowing.
     *
     * @param name the parameter's name, for the messages
     * @param value the duration a caller passed
     * @return {@code value} in microseconds, at least 1
     * @throws NullPointerException if value is null
     * @throws IllegalArgumentException if value is shorter than one microsecond (zero and negative included)
     */
    public static long atLeastOneMicro(String name, Duration value) {
        Objects.requireNonNull(value, name);
        long micros = value.isNegative() ? -1 : saturatedMicros(value);
        if (micros < 1) {
            throw new IllegalArgumentException(name + " must be at least 1us but was " + value);
        }
        return micros;
    }

    /**
     * A non-negative duration in whole microseconds, sub-microsecond part dropped, saturating at
     * {@link Long#MAX_VALUE}.
     *
     * @param value a duration that is not negative
     * @return its microseconds, or {@link Long#MAX_VALUE} if they do not fit in a {@code long}
     */
    public static long saturatedMicros(Duration value) {
        long seconds = value.getSeconds();
        if (seconds >= Long.MAX_VALUE / 1_000_000 - 1) {
            return Long.MAX_VALUE;
        }
        return seconds * 1_000_000 + value.getNano() / 1_000;
    }

    /**
     * A non-negative duration in nanoseconds, saturating at {@link Long#MAX_VALUE} (about 292 years) instead of
     * throwing as {@link Duration#toNanos()} does.
     *
     * @param value a duration that is not negative
     * @return its nanoseconds, or {@link Long#MAX_VALUE} if they do not fit in a {@code long}
     */
    public static long saturatedNanos(Duration value) {
        long seconds = value.getSeconds();
        if (seconds >= Long.MAX_VALUE / 1_000_000_000 - 1) {
            return Long.MAX_VALUE;
        }
        return seconds * 1_000_000_000 + value.getNano();
    }
}
