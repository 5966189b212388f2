package dev.ratelimit.config;

import java.time.Duration;
import java.util.Objects;

/** The argument checks the builders of this module share, so every message reads the same. Stateless. */
final class Checks {

    private Checks() {
    }

    /**
     * {@code value}, if it is neither null nor empty.
     *
     * @throws NullPointerException naming {@code what} if it is null
     * @throws IllegalArgumentException naming {@code what} if it is empty
     */
    static String notEmpty(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        return value;
    }

    /**
     * {@code interval}, if it is at least 1 ms: the shortest poll interval of a source.
     *
     * @throws NullPointerException if it is null
     * @throws IllegalArgumentException naming the value if it is shorter
     */
    static Duration pollInterval(Duration interval) {
        Objects.requireNonNull(interval, "pollInterval");
        if (interval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("pollInterval must be 1ms or more but was " + interval);
        }
        return interval;
    }
}
