package dev.ratelimit.http;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.ViolationLog;

/**
 * The listener every limiter of an engine is built with: it passes each event to the listener given to the builder
 * (if any) and to the violation log the configuration file asks for (if any). The violation log is swapped when the
 * file changes, so limiters, which are built once with their listener, need not be rebuilt. Thread-safe.
 */
final class EngineListener implements RateLimitListener {

    private final RateLimitListener user;
    private volatile ViolationLog violations;

    EngineListener(RateLimitListener user) {
        this.user = user;
    }

    /** The violation log from the configuration, or null for none. */
    void violations(ViolationLog violations) {
        this.violations = violations;
    }

    @Override
    public void onAllowed(String limiter, String key, long permits, Decision decision) {
        if (user != null) {
            user.onAllowed(limiter, key, permits, decision);
        }
    }

    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        ViolationLog log = violations;
        if (log != null) {
            // The key is the client's text: escaped so that it cannot break or forge a log line.
            log.onDenied(limiter, LogText.escape(key), permits, decision);
        }
        if (user != null) {
            user.onDenied(limiter, key, permits, decision);
        }
    }

    @Override
    public void onStoreError(String limiter, String key, Throwable error, Decision decision) {
        if (user != null) {
            user.onStoreError(limiter, key, error, decision);
        }
    }

    @Override
    public boolean measuresStoreLatency() {
        return user != null && user.measuresStoreLatency();
    }

    @Override
    public void onStoreLatency(String limiter, long nanos) {
        if (user != null) {
            user.onStoreLatency(limiter, nanos);
        }
    }

    @Override
    public void onLimiterRemoved(String limiter) {
        if (user != null) {
            user.onLimiterRemoved(limiter);
        }
    }
}
