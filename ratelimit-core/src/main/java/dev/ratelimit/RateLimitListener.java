package dev.ratelimit;

/**
 * Told of a limiter's decisions and store failures, for metrics and logs. Every method has an empty default, so
 * an implementation overrides only what it needs. A limiter without a listener makes no calls at all.
 *
 * <p>Methods run on the thread that made the decision, after it was made: keep them fast and never throw (an
 * exception is logged and otherwise ignored). Implementations must be thread-safe.
 */
public interface RateLimitListener {

    /** The permits were granted (also when the failure policy allowed). */
    default void onAllowed(String limiter, String key, long permits, Decision decision) {
    }

    /** The permits were refused (also when the failure policy denied). */
    default void onDenied(String limiter, String key, long permits, Decision decision) {
    }

    /**
     * The store failed; {@code decision} is what the failure policy decided instead. Called before
     * {@link #onAllowed} or {@link #onDenied} for the same request.
     */
    default void onStoreError(String limiter, String key, Throwable error, Decision decision) {
    }
}
