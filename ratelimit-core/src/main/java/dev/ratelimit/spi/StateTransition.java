package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * The reference implementation of an {@link Algorithm}: a pure function
 * {@code (state, limits, permits, now) -> (new state, decision)} with no I/O and no clock of its own. It is the
 * specification every store follows; the in-memory store runs it directly and remote stores are tested against
 * it.
 *
 * <h2>State</h2>
 * State is a {@code long[]} whose element 0 is the time (microseconds since the epoch) at which the key is back
 * at full allowance if nothing more is spent: a store may drop the state then, and a missing state ({@code null})
 * means exactly that. The rest is algorithm-specific and documented on each implementation. Fixed window, sliding
 * window and token bucket keep one slot per limit and then, per limit, a description of the limit that wrote it
 * (its period; for the token bucket also its permits and capacity):
 * {@code [fullAt, fields of limit 0, ..., fields of limit n-1, description of limit 0, ..., of limit n-1]}. State of
 * a shape no implementation writes is treated as missing.
 *
 * <h2>Changed limits: what was spent carries over</h2>
 * A key's state is not tied to the limits that wrote it: limiters with the same namespace and algorithm on one
 * store share each key's one state, and each reads it with its own limits. State written under exactly the
 * reading limits is read as it is. State written under other limits is converted first: each reading limit
 * continues the stored limit matched to it (by period, then the rest in order; see {@link Algorithm}), by the rule
 * on each implementation's class comment; a limit without a match starts fresh, and unmatched stored limits are
 * dropped. {@link #apply} with permits returns the converted state even when it denies, so the store writes it and
 * the next request continues from it (a token bucket's conversion depends on the time it is made); a peek (zero
 * permits) returns the input unchanged. The sliding log keeps one log for all limits, so it needs no conversion.
 * Removing a limit, a policy or a namespace frees its state by expiry, as for any idle key: a store may drop a
 * state at the full-allowance time the last writer's limits gave it (element 0).
 *
 * <h2>Several limits</h2>
 * A request is allowed only if every limit allows it, and then the permits are spent on every limit. A denied
 * decision reports the denying limit with the longest wait (the first on a tie) and waits that long; an allowed
 * decision reports the limit with the fewest permits left (the first on a tie). {@code remaining} is the least of
 * the limits' remaining permits.
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface StateTransition {

    /**
     * The reference implementation of {@code algorithm}.
     *
     * @param algorithm the algorithm
     * @return its stateless, shared reference implementation
     */
    static StateTransition of(Algorithm algorithm) {
        return switch (algorithm) {
            case FIXED_WINDOW -> FixedWindow.INSTANCE;
            case SLIDING_WINDOW -> SlidingWindow.INSTANCE;
            case SLIDING_LOG -> SlidingLog.INSTANCE;
            case TOKEN_BUCKET -> TokenBucket.INSTANCE;
        };
    }

    /**
     * The algorithm this implements.
     *
     * @return the algorithm
     */
    Algorithm algorithm();

    /**
     * Checks that these limits can be evaluated exactly in 64-bit integer arithmetic.
     *
     * @param limits the limits a limiter is being built with
     * @throws IllegalArgumentException naming the limit that cannot
     */
    void validate(List<Limit> limits);

    /**
     * Evaluates a request for {@code permits} at {@code nowMicros}.
     *
     * @param state the key's current state, or {@code null} if it has none; never modified
     * @param limits the limits, {@linkplain #validate validated}; the same list (in the same order) for every
     *     call on one key
     * @param permits zero for a read that spends nothing, otherwise the permits to spend
     * @param nowMicros the time of the request, in microseconds since the epoch
     * @return the new state (the same instance as {@code state} when nothing needs to be written: a denial or a
     *     peek of a state written under these limits) and the decision
     */
    Result apply(long[] state, List<Limit> limits, long permits, long nowMicros);

    /**
     * Adjusts what the key has spent, without checking the limits: a positive {@code delta} spends that many
     * more permits (a penalty), a negative one gives that many back (a refund). The result is clamped per limit
     * between full allowance and empty: a penalty never takes a limit below zero remaining, a refund never above
     * full. For {@link Algorithm#FIXED_WINDOW} and {@link Algorithm#SLIDING_WINDOW} the adjustment applies to the
     * current window; for {@link Algorithm#SLIDING_LOG} a penalty is logged at {@code nowMicros} and a refund
     * removes the newest entries; for {@link Algorithm#TOKEN_BUCKET} it moves the TAT by {@code delta} emission
     * intervals.
     *
     * <p>A {@code delta} larger in magnitude than the largest {@linkplain Limit#capacity() capacity} of the limits
     * counts as exactly that capacity: no limit can hold more, so any larger penalty empties every limit and any
     * larger refund fills it (unless the key is emptier than empty, after the clock stepped back or the limits
     * were lowered, when it gives back that capacity). Every {@code long} is accepted, and the arithmetic never
     * overflows.
     *
     * @param state the key's current state, or {@code null} if it has none; never modified
     * @param limits the limits, {@linkplain #validate validated}
     * @param delta any value except zero
     * @param nowMicros the time of the adjustment, in microseconds since the epoch
     * @return the new state and the decision a request for zero permits gets in it
     * @throws IllegalArgumentException if delta is zero
     */
    Result adjust(long[] state, List<Limit> limits, long delta, long nowMicros);

    /**
     * The outcome of {@link #apply} and {@link #adjust}. The state array must not be modified once returned
     * (transitions never modify their input), so a result may be shared between threads.
     *
     * @param state the state to store; identical ({@code ==}) to the input when nothing changed
     * @param decision the decision for the caller
     */
    record Result(long[] state, Decision decision) {
    }
}
