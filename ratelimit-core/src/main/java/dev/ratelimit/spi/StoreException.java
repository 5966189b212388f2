package dev.ratelimit.spi;

/**
 * A store could not make a decision: it was unreachable, timed out, throttled, full or misconfigured. The
 * limiter's {@link dev.ratelimit.FailurePolicy} decides what the caller gets instead.
 *
 * <p>Immutable once thrown, like any exception; safe to pass between threads.
 */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure with a message that says what failed and, where known, why.
     *
     * @param message what failed (the store, the key or table, the operation) and why
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * A failure caused by {@code cause}.
     *
     * @param message what failed (the store, the key or table, the operation)
     * @param cause the client's exception, kept for its stack trace
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
