package dev.ratelimit.redis;

import java.time.Duration;

/**
 * The options both Redis stores share, resolved to their defaults. Immutable and thread-safe.
 */
final class StoreSettings {

    static final String DEFAULT_PREFIX = "rl:";
    /** The default bound on one call: what a hung Redis costs a request when nothing is configured. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    /** The default bound on calls started but not yet answered, per store. */
    static final int DEFAULT_MAX_PENDING = 16_384;

    final String keyPrefix;
    final boolean serverTime;
    final long expiryMarginMillis;
    final Duration timeout;
    final long timeoutNanos;
    final int maxPendingCalls;
    final boolean coalescing;

    StoreSettings(String keyPrefix, Boolean serverTime, Duration expiryMargin, Duration timeout,
            Integer maxPendingCalls, Boolean coalescing) {
        this.keyPrefix = keyPrefix != null ? keyPrefix : DEFAULT_PREFIX;
        this.serverTime = serverTime == null || serverTime;
        this.expiryMarginMillis = expiryMargin != null ? expiryMargin.toMillis() : this.serverTime ? 0 : 1_000;
        this.timeout = timeout != null ? timeout : DEFAULT_TIMEOUT;
        this.timeoutNanos = this.timeout.toNanos();
        this.maxPendingCalls = maxPendingCalls != null ? maxPendingCalls : DEFAULT_MAX_PENDING;
        this.coalescing = coalescing == null || coalescing;
    }

    @Override
    public String toString() {
        return "keyPrefix=" + keyPrefix + ", time=" + (serverTime ? "server" : "caller") + ", expiryMarginMillis="
                + expiryMarginMillis + ", timeout=" + timeout + ", maxPendingCalls=" + maxPendingCalls
                + ", coalescing=" + coalescing;
    }
}
