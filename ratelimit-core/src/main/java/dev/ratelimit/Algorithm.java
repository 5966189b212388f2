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
 * limits (see {@link RateLimiter}): a limiter rebuilt with a changed limit starts from what each key has spent.
 * With the same number of limits, the limits are matched by position (the first new limit takes over the first
 * old one's state, and so on):
 * <ul>
 *   <li>{@link #FIXED_WINDOW}: the permits spent in the current window stay spent and count against the new limit.
 *       With another period the stored window keeps its count if it starts no earlier than the new period's current
 *       window (lasting one new period from its start); an earlier one no longer counts.</li>
 *   <li>{@link #SLIDING_WINDOW}: both windows' counts carry and are weighed as usual against the new limit. With
 *       another period, as for the fixed window: counts in windows that have ended for the new period no longer
 *       count.</li>
 *   <li>{@link #SLIDING_LOG}: the timestamps carry, whatever changed; each new limit counts those inside its own
 *       period (as far as the old limits still kept them).</li>
 *   <li>{@link #TOKEN_BUCKET}: the time until the bucket is full again carries; at the same rate that is the same
 *       deficit (not clamped to a lowered burst), at another rate the deficit is that time measured at the new
 *       rate.</li>
 * </ul>
 * When the number of limits changes (a limit added or removed), every algorithm but {@link #SLIDING_LOG} treats
 * the stored state as missing: the key starts with the new limits' full allowance. A removed limit's or
 * policy's state is freed when it expires, as for any idle key.
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
