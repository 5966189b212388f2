package dev.ratelimit;

/**
 * How a limit counts permits over time. Each constant's reference implementation lives in
 * {@link dev.ratelimit.spi.StateTransition}, whose implementations explain the algorithm in their class comments;
 * every store gives the same decisions as the reference for the same requests and times.
 *
 * <table>
 *   <caption>The algorithms</caption>
 *   <tr><th>algorithm</th><th>state per key and limit</th><th>accuracy</th><th>use it for</th></tr>
 *   <tr><td>{@link #FIXED_WINDOW}</td><td>window start, count</td>
 *       <td>exact per window; up to 2x the limit across a window edge</td><td>cheap quotas, daily caps</td></tr>
 *   <tr><td>{@link #SLIDING_WINDOW}</td><td>window start, two counts</td>
 *       <td>approximate: assumes the previous window's permits were spread evenly</td>
 *       <td>per-client API limits without edge bursts</td></tr>
 *   <tr><td>{@link #SLIDING_LOG}</td><td>one timestamp per admitted request</td><td>exact</td>
 *       <td>small limits where exactness matters, such as 5 uploads per 24 hours</td></tr>
 *   <tr><td>{@link #TOKEN_BUCKET}</td><td>one time (GCRA)</td><td>exact; allows bursts up to the capacity</td>
 *       <td>smoothing traffic, pacing batch jobs, the default</td></tr>
 * </table>
 *
 * <h2>When a limit changes</h2>
 * Limiters with the same namespace and algorithm on one store share each key's consumption, whatever their
 * limits (see {@link RateLimiter}): a limiter rebuilt with changed limits starts from what each key has spent,
 * never from a fresh allowance. The state records the limits it was written under, and the first request under
 * other limits converts it and stores the converted state (even if denied; a peek converts without writing).
 * The same rule holds on every store, and the contract suite in {@code ratelimit-testkit} checks it.
 *
 * <p><b>Which stored limit a new limit continues.</b> Each new limit, in order, takes the state of the first stored
 * limit of the same period not yet taken (so of two limits of one period, the first continues the first and the
 * second the second). Then the new limits left over take the stored limits left over, in order: a limit whose
 * period changed continues the one it replaced (with one limit before and after, the one limit carries). A new
 * limit left without a stored one starts fresh; a stored limit that no new limit takes is dropped at the key's
 * next write. So adding a limit (say 1000/1h next to 10/1s and 100/1m) keeps the others' state and starts the new
 * one fresh, and removing one keeps the rest.
 *
 * <p><b>The rule per algorithm</b>, for a stored limit continued by a changed one:
 * <ul>
 *   <li>{@link #FIXED_WINDOW}: the permits spent in the current window stay spent and count against the new limit
 *       (a lowered limit at or below them denies until the window ends). With another period the stored window
 *       keeps its count if it starts no earlier than the new period's current window (lasting one new period from
 *       its start); an earlier one no longer counts.</li>
 *   <li>{@link #SLIDING_WINDOW}: both windows' counts carry and are weighed as usual against the new limit. With
 *       another period, as for the fixed window: counts in windows that have ended for the new period no longer
 *       count.</li>
 *   <li>{@link #SLIDING_LOG}: one log serves all limits, so every change carries: each new limit counts the logged
 *       permits inside its own period (as far as the old limits still kept them), all of them, also when lowered.
 *   </li>
 *   <li>{@link #TOKEN_BUCKET}: the bucket keeps its deficit (the tokens it is short of, measured at the old rate),
 *       clamped to the new capacity, rounded to the new rate toward fewer permits. 5/1m with all 5 spent, raised to
 *       10/1m: 5 available at once. 10/1m with 3 spent, lowered to 5/1m: 2 available; with all 10 spent: none, full
 *       again after one minute.</li>
 * </ul>
 * A removed limit's or policy's state is freed when it expires, as for any idle key. State written by the previous
 * release (which did not record its limits) is read as written under the reading limiter's limits, limit by
 * limit in order, as that release did: an upgrade resets no key.
 *
 * <p>An enum: immutable and thread-safe.
 */
public enum Algorithm {
    /**
     * Counts permits in windows of one period aligned to the Unix epoch (a 1-minute window starts at each whole
     * minute UTC). A request is allowed if {@code count + permits <= limit} in the current window.
     */
    FIXED_WINDOW,
    /**
     * The two-window weighted counter: the estimate is {@code previous * (1 - elapsed/period) + current}, with
     * windows aligned as for {@link #FIXED_WINDOW}. O(1) state; never admits more than the limit within one
     * aligned window and approximates a true sliding window between them.
     */
    SLIDING_WINDOW,
    /** Keeps the time of every admitted permit in the last period: exact, memory proportional to the limit. */
    SLIDING_LOG,
    /**
     * A token bucket holding up to the limit's {@link Limit#capacity() capacity}, refilled continuously at
     * {@code permits / period}; starts full. Encoded as GCRA (one theoretical arrival time per key), with decisions
     * equal to a greedy token bucket's.
     */
    TOKEN_BUCKET
}
