package dev.ratelimit;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

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

    /**
     * The permits were granted (also when the failure policy allowed).
     *
     * @param limiter the limiter's {@linkplain RateLimiter#name() name}
     * @param key the key, as the caller passed it; attacker-chosen in a web application, so escape it before
     *     writing it anywhere it could be interpreted
     * @param permits the permits asked for, at least 1
     * @param decision the decision the caller gets
     */
    default void onAllowed(String limiter, String key, long permits, Decision decision) {
    }

    /**
     * The permits were refused (also when the failure policy denied).
     *
     * @param limiter the limiter's {@linkplain RateLimiter#name() name}
     * @param key the key, as the caller passed it; attacker-chosen in a web application
     * @param permits the permits asked for, at least 1
     * @param decision the decision the caller gets
     */
    default void onDenied(String limiter, String key, long permits, Decision decision) {
    }

    /**
     * The store failed; {@code decision} is what the failure policy decided instead. Called before
     * {@link #onAllowed} or {@link #onDenied} for the same request (neither follows when a
     * {@linkplain FailurePolicy#fallbackTo fallback limiter} decided: that limiter reports to its own listener).
     *
     * @param limiter the limiter's {@linkplain RateLimiter#name() name}
     * @param key the key, as the caller passed it
     * @param error what the store threw, or the timeout of an asynchronous call
     * @param decision what the failure policy decided instead
     */
    default void onStoreError(String limiter, String key, Throwable error, Decision decision) {
    }

    /**
     * Whether {@link #onStoreLatency} should be called. Read once, when the limiter is built; when false the
     * limiter does not time its store calls at all.
     *
     * @return true to receive {@link #onStoreLatency}; false by default
     */
    default boolean measuresStoreLatency() {
        return false;
    }

    /**
     * How long one successful or failed store call of {@code tryAcquire} or {@code tryAcquireAsync} took.
     *
     * @param limiter the limiter's {@linkplain RateLimiter#name() name}
     * @param nanos the duration in nanoseconds, from {@link System#nanoTime()}
     */
    default void onStoreLatency(String limiter, long nanos) {
    }

    /**
     * No limiter of this name is in use any more by whoever built it: the HTTP engine calls it when a configuration
     * change removed a policy or plan (not when only its limits changed, since the new limiter keeps the name). A
     * listener may release what it keeps for the name, such as its meters. Events for the name may still arrive from
     * requests that were in flight, and a later limiter may take the name again; a listener must handle both.
     *
     * @param limiter the limiter's {@linkplain RateLimiter#name() name}
     */
    default void onLimiterRemoved(String limiter) {
    }

    /**
     * A listener that passes every event to each of {@code listeners} in order; it measures store latency if any
     * of them does. A listener that throws does not keep the others from hearing the event.
     *
     * @param listeners the listeners, called in this order
     * @return a thread-safe listener if every one of {@code listeners} is
     * @throws NullPointerException if listeners or one of them is null (the message names its index)
     */
    static RateLimitListener composite(RateLimitListener... listeners) {
        Objects.requireNonNull(listeners, "listeners");
        return composite(Arrays.asList(listeners));
    }

    /**
     * A listener that passes every event to each of {@code listeners} in order, as
     * {@link #composite(RateLimitListener...)} does.
     *
     * @param listeners the listeners, called in this order; the list is copied
     * @return a thread-safe listener if every one of {@code listeners} is
     * @throws NullPointerException if listeners or one of them is null (the message names its index)
     */
    static RateLimitListener composite(List<RateLimitListener> listeners) {
        Objects.requireNonNull(listeners, "listeners");
        for (int i = 0; i < listeners.size(); i++) {
            Objects.requireNonNull(listeners.get(i), "listeners[" + i + "]");
        }
        return new CompositeListener(List.copyOf(listeners));
    }
}
