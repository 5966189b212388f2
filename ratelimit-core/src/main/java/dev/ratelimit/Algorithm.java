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
