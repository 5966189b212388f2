package dev.ratelimit.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * The builder options both Redis stores share ({@link RedisStore.Builder}, {@link LettuceRedisStore.Builder}).
 * Each option may be set once; values are checked when set. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class StoreOptions<B extends StoreOptions<B>> {

    private static final int MAX_PREFIX_LENGTH = 256;

    private String keyPrefix;
    private Boolean serverTime;
    private Duration expiryMargin;
    private Duration commandTimeout;
    private Integer maxPendingCalls;
    private Boolean coalescing;

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * The text every Redis key of this store starts with; {@code "rl:"} by default. Use one prefix per application
     * (or per environment sharing a Redis) so that an ACL rule or a {@code SCAN} can select the keys. Limiters' own
     * key prefixes (namespaces) are encoded after it.
     *
     * @throws IllegalArgumentException if empty, longer than 256 characters, or containing <code>{</code> or
     *     <code>}</code> (which would change the Redis Cluster hash tag)
     * @throws NullPointerException if null
     * @throws IllegalStateException if already set
     */
    public B keyPrefix(String keyPrefix) {
        if (this.keyPrefix != null) {
            throw new IllegalStateException("keyPrefix was already set to \"" + this.keyPrefix + "\"");
        }
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.isEmpty() || keyPrefix.length() > MAX_PREFIX_LENGTH) {
            throw new IllegalArgumentException(
                    "keyPrefix must be 1 to " + MAX_PREFIX_LENGTH + " characters but was \"" + keyPrefix + "\"");
        }
        if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "keyPrefix must not contain '{' or '}' (the store sets the hash tag) but was \"" + keyPrefix
                            + "\"");
        }
        this.keyPrefix = keyPrefix;
        return self();
    }

    /**
     * Read the time from Redis ({@code TIME}) inside each script: the default. All app instances then agree on
     * window boundaries and refill even if their clocks are skewed; the limiter's time source is ignored.
     *
     * @throws IllegalStateException if the clock was already chosen
     */
    public B serverTime() {
        setClock(true);
        return self();
    }

    /**
     * Use the time the limiter passes (its {@code TimeSource}) instead of Redis {@code TIME}: for tests driven by
     * a fake clock, or when the app's clock is the one that must count. Times must be between 0 and 2<sup>52</sup>
     * microseconds since the epoch.
     *
     * @throws IllegalStateException if the clock was already chosen
     */
    public B callerTime() {
        setClock(false);
        return self();
    }

    private void setClock(boolean server) {
        if (serverTime != null) {
            throw new IllegalStateException(
                    "the clock was already set to " + (serverTime ? "serverTime()" : "callerTime()"));
        }
        serverTime = server;
    }

    /**
     * How long a key outlives the moment it is back at full allowance; 0 with server time, 1 second with caller
     * time (so instances whose clocks run behind the writer's still find the state). Keys then expire by
     * themselves; none lives forever.
     *
     * @throws IllegalArgumentException if negative or longer than 1 day
     * @throws NullPointerException if null
     * @throws IllegalStateException if already set
     */
    public B expiryMargin(Duration margin) {
        if (expiryMargin != null) {
            throw new IllegalStateException("expiryMargin was already set to " + expiryMargin);
        }
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
     * @throws IllegalArgumentException if not between 1 ms and 1 minute
     * @throws NullPointerException if null
     * @throws IllegalStateException if already set
     */
    public B commandTimeout(Duration timeout) {
        if (commandTimeout != null) {
            throw new IllegalStateException("commandTimeout was already set to " + commandTimeout);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("commandTimeout must be between 1ms and 1 minute but was " + timeout);
        }
        this.commandTimeout = timeout;
        return self();
    }

    /**
     * The most calls the store holds started but not yet answered; default 16,384. A call beyond it fails at once
     * with a {@link dev.ratelimit.spi.StoreException} (the failure policy decides), so a slow or hung Redis cannot
     * make the store hold unbounded memory, and callers do not queue behind a backlog they would time out in.
     *
     * @throws IllegalArgumentException if not between 1 and 1,048,576
     * @throws IllegalStateException if already set
     */
    public B maxPendingCalls(int calls) {
        if (maxPendingCalls != null) {
            throw new IllegalStateException("maxPendingCalls was already set to " + maxPendingCalls);
        }
        if (calls < 1 || calls > 1 << 20) {
            throw new IllegalArgumentException("maxPendingCalls must be between 1 and 1048576 but was " + calls);
        }
        this.maxPendingCalls = calls;
        return self();
    }

    /**
     * Whether concurrent calls are coalesced (default {@code true}): acquires that are waiting at the same time
     * on one key of one limiter are decided by one script evaluation, one after the other in the order they were
     * taken, exactly as if they had been sent one by one; calls on different keys are sent together (pipelined).
     * Nothing ever waits to fill a batch: a lone call is sent at once. The sliding log is pipelined but not
     * combined.
     *
     * @throws IllegalStateException if already set
     */
    public B coalescing(boolean enabled) {
        if (coalescing != null) {
            throw new IllegalStateException("coalescing was already set to " + coalescing);
        }
        this.coalescing = enabled;
        return self();
    }

    boolean commandTimeoutSet() {
        return commandTimeout != null;
    }

    boolean coalescingSet() {
        return coalescing != null;
    }

    boolean maxPendingCallsSet() {
        return maxPendingCalls != null;
    }

    StoreSettings settings() {
        return new StoreSettings(keyPrefix, serverTime, expiryMargin, commandTimeout, maxPendingCalls, coalescing);
    }
}
