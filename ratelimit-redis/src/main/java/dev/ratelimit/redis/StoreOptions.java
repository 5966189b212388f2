package dev.ratelimit.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * The builder options both Redis stores share ({@link RedisStore.Builder}, {@link LettuceRedisStore.Builder}).
 * Values are checked when set; setting an option again replaces the earlier value (the last call wins). Not
 * thread-safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class StoreOptions<B extends StoreOptions<B>> {

    private static final int MAX_PREFIX_LENGTH = 256;

    private String keyPrefix;
    private Boolean serverTime;
    private Duration expiryMargin;
    private Duration timeout;
    private Integer maxPendingCalls;
    private Boolean coalescing;

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * The literal text every Redis key this store writes starts with; {@code "rl:"} by default. The same rule as
     * {@code DynamoDbStore.Builder.keyPrefix}: 0 to 256 characters of well-formed UTF-16 (no unpaired surrogate),
     * written as UTF-8 at the very start of each key, before the limiter's namespace and the user key. Use one
     * prefix per application (or per environment sharing a Redis) so that an ACL key pattern ({@code ~rl:*}) or a
     * {@code SCAN MATCH} selects exactly the limiter's keys. Redis only: the prefix may not contain <code>{</code>
     * or <code>}</code>, because the store makes the rest of the key the Redis Cluster hash tag, and a brace in the
     * prefix would move the tag.
     *
     * @param keyPrefix the prefix, possibly empty
     * @return this builder
     * @throws IllegalArgumentException if longer than 256 characters, not well-formed UTF-16, or containing
     *     <code>{</code> or <code>}</code>; the message shows the value
     * @throws NullPointerException if null
     */
    public B keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.length() > MAX_PREFIX_LENGTH || !RedisKeys.wellFormed(keyPrefix)) {
            throw new IllegalArgumentException("keyPrefix must be 0 to " + MAX_PREFIX_LENGTH
                    + " characters of well-formed UTF-16 but was \"" + keyPrefix + "\"");
        }
        if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' in Redis (the store sets the"
                    + " Redis Cluster hash tag) but was \"" + keyPrefix + "\"");
        }
        this.keyPrefix = keyPrefix;
        return self();
    }

    /**
     * Read the time from Redis ({@code TIME}) inside each script: the default. All app instances then agree on
     * window boundaries and refill even if their clocks are skewed; the limiter's time source is ignored.
     * {@link #callerTime()} is the other choice; the last call wins.
     *
     * @return this builder
     */
    public B serverTime() {
        serverTime = true;
        return self();
    }

    /**
     * Use the time the limiter passes (its {@code TimeSource}) instead of Redis {@code TIME}: for tests driven by
     * a fake clock, or when the app's clock is the one that must count. Times must be between 0 and 2<sup>52</sup>
     * microseconds since the epoch. {@link #serverTime()} is the other choice; the last call wins.
     *
     * @return this builder
     */
    public B callerTime() {
        serverTime = false;
        return self();
    }

    /**
     * How long a key outlives the moment it is back at full allowance; 0 with server time, 1 second with caller
     * time (so instances whose clocks run behind the writer's still find the state). Keys then expire by
     * themselves; none lives forever.
     *
     * @param margin how long past full allowance a key is kept
     * @return this builder
     * @throws IllegalArgumentException if negative or longer than 1 day
     * @throws NullPointerException if null
     */
    public B expiryMargin(Duration margin) {
        Objects.requireNonNull(margin, "margin");
        if (margin.isNegative() || margin.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("expiryMargin must be between 0 and 1 day but was " + margin);
        }
        this.expiryMargin = margin;
        return self();
    }

    /**
     * The longest one store call may take, from the call until its answer: after it, the call fails with a
     * {@link dev.ratelimit.spi.StoreException} and the limiter's failure policy decides. Default
     * <b>500 ms</b>, so a hung Redis costs each request at most that without any configuration. A call that
     * timed out may still reach Redis and spend its permits (nobody is admitted by it).
     *
     * @param timeout the longest wait for one call
     * @return this builder
     * @throws IllegalArgumentException if not between 1 ms and 1 minute
     * @throws NullPointerException if null
     */
    public B timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("timeout must be between 1ms and 1 minute but was " + timeout);
        }
        this.timeout = timeout;
        return self();
    }

    /**
     * The most calls the store holds started but not yet answered; default 16,384. A call beyond it fails at once
     * with a {@link dev.ratelimit.spi.StoreException} (the failure policy decides), so a slow or hung Redis cannot
     * make the store hold unbounded memory, and callers do not queue behind a backlog they would time out in.
     *
     * @param calls the most calls waiting for an answer
     * @return this builder
     * @throws IllegalArgumentException if not between 1 and 1,048,576
     */
    public B maxPendingCalls(int calls) {
        if (calls < 1 || calls > 1 << 20) {
            throw new IllegalArgumentException("maxPendingCalls must be between 1 and 1048576 but was " + calls);
        }
        this.maxPendingCalls = calls;
        return self();
    }

    /**
     * Whether concurrent calls are coalesced (default {@code true}): acquires that are waiting at the same time
     * on one key of one limiter are decided by one script evaluation, one after the other in the order they were
     * taken, exactly as if they had been sent one by one; calls of one algorithm on different keys are decided by
     * one script evaluation too (per slot in a cluster), key after key, each exactly as if sent alone; resets and
     * the rest are sent together with them (pipelined). Nothing ever waits to fill a batch: a lone call is sent at
     * once. The sliding log's acquires on one key are not combined.
     *
     * @param enabled whether to coalesce
     * @return this builder
     */
    public B coalescing(boolean enabled) {
        this.coalescing = enabled;
        return self();
    }

    boolean timeoutSet() {
        return timeout != null;
    }

    boolean coalescingSet() {
        return coalescing != null;
    }

    boolean maxPendingCallsSet() {
        return maxPendingCalls != null;
    }

    StoreSettings settings() {
        return new StoreSettings(keyPrefix, serverTime, expiryMargin, timeout, maxPendingCalls, coalescing);
    }
}
