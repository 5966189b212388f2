package dev.ratelimit.spi;

/**
 * A store could not make a decision: it was unreachable, timed out, throttled, full or misconfigured. The
 * limiter's {@link dev.ratelimit.FailurePolicy} decides what the caller gets instead.
 */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure with a message that says what failed and, where known, why. */
    public StoreException(String message) {
        super(message);
    }

    /** A failure caused by {@code cause}. */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
