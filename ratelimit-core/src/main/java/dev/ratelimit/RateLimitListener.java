package dev.ratelimit;

/**
 * Told of a limiter's decisions and store failures, for metrics and logs. Every method has an empty default, so
 * an implementation overrides only what it needs. A limiter without a listener makes no calls at all, and one
 * whose listener does not {@linkplain #measuresStoreLatency() measure latency} reads no extra clock.
 * {@link #composite} combines several listeners, and {@link ViolationLog} is one that logs denials.
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

    /**
     * Whether {@link #onStoreLatency} should be called. Read once, when the limiter is built; when false the
     * limiter does not time its store calls at all.
     */
    default boolean measuresStoreLatency() {
        return false;
    }

    /** How long one successful or failed store call of {@code tryAcquire} took, in nanoseconds. */
    default void onStoreLatency(String limiter, long nanos) {
    }

    /**
     * A listener that passes every event to each of {@code listeners} in order; it measures store latency if any
     * of them does. A listener that throws does not keep the others from hearing the event.
     *
     * @throws NullPointerException if listeners or one of them is null
     */
    static RateLimitListener composite(RateLimitListener... listeners) {
        java.util.Objects.requireNonNull(listeners, "listeners");
        for (RateLimitListener listener : listeners) {
            java.util.Objects.requireNonNull(listener, "listeners contains null");
        }
        return new CompositeListener(java.util.List.of(listeners));
    }
}
