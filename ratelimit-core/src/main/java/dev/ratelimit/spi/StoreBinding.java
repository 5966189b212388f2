package dev.ratelimit.spi;

import dev.ratelimit.Decision;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One limiter's view of a {@link RateLimitStore}: its namespace, algorithm and limits are fixed, and every call
 * names only the key, the permits and the time.
 *
 * <p>The limiter validates its arguments before calling: keys are non-empty, permits are between 1 and the
 * smallest {@linkplain dev.ratelimit.Limit#capacity() capacity} of the limits. {@code nowMicros} is the limiter's
 * time; a store configured to use its own clock (such as Redis {@code TIME}) may ignore it.
 *
 * <p>Decisions must equal those of {@link StateTransition#apply} for the same state, limits, permits and time,
 * including the choice of reported limit for several limits; the contract suite in {@code ratelimit-testkit}
 * checks this.
 *
 * <p>Implementations must be thread-safe and atomic per key: concurrent calls for one key never admit more than
 * the limits allow.
 */
public interface StoreBinding {

    /**
     * Evaluates and, if every limit allows, spends {@code permits} on every limit, atomically.
     *
     * @param key the caller's key, not empty; a store that cannot hold it verbatim must map it without
     *     collisions (a digest, for example)
     * @param permits the permits to spend, 1 to the smallest capacity of the limits
     * @param nowMicros the limiter's time, in microseconds since the epoch
     * @return the decision, equal to {@link StateTransition#apply}'s
     */
    Decision tryAcquire(String key, long permits, long nowMicros);

    /**
     * The asynchronous form of {@link #tryAcquire}. The default runs the synchronous call on the caller's
     * thread and returns a completed (or failed) stage; stores with an asynchronous client override it.
     *
     * @param key the caller's key, not empty
     * @param permits the permits to spend, 1 to the smallest capacity of the limits
     * @param nowMicros the limiter's time, in microseconds since the epoch
     * @return a stage completing with the decision, or exceptionally with the store's failure; the limiter
     *     applies its own timeout to it
     */
    default CompletionStage<Decision> tryAcquireAsync(String key, long permits, long nowMicros) {
        try {
            return CompletableFuture.completedFuture(tryAcquire(key, permits, nowMicros));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The decision a request for zero permits would get: the current {@code remaining} and {@code resetAfter},
     * with nothing spent and nothing written.
     *
     * @param key the caller's key, not empty
     * @param nowMicros the limiter's time, in microseconds since the epoch
     * @return an allowed decision reporting the key's current state
     */
    Decision peek(String key, long nowMicros);

    /**
     * Adjusts what the key has spent without checking the limits, atomically: a positive {@code delta} is a
     * penalty, a negative one a refund, clamped per limit as {@link StateTransition#adjust} specifies. The limiter
     * passes a non-zero {@code delta} whose magnitude is at most the largest capacity of the limits (so at most
     * {@link dev.ratelimit.Limit#MAX_PERMITS}); a larger one would mean the same.
     *
     * @param key the caller's key, not empty
     * @param delta permits to add to what the key has spent (positive) or to give back (negative); never zero
     * @param nowMicros the limiter's time, in microseconds since the epoch
     * @return the decision a request for zero permits gets afterwards
     */
    Decision adjust(String key, long delta, long nowMicros);

    /**
     * Forgets the key's state, so its next request sees the full allowance.
     *
     * @param key the caller's key, not empty
     */
    void reset(String key);
}
