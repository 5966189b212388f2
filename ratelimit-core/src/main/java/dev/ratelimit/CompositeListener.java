package dev.ratelimit;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link RateLimitListener#composite}. Thread-safe if its parts are. */
final class CompositeListener implements RateLimitListener {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitListener.class);

    private final RateLimitListener[] listeners;
    private final boolean measuresStoreLatency;

    CompositeListener(List<RateLimitListener> listeners) {
        this.listeners = listeners.toArray(new RateLimitListener[0]);
        boolean measures = false;
        for (RateLimitListener listener : this.listeners) {
            measures |= listener.measuresStoreLatency();
        }
        this.measuresStoreLatency = measures;
    }

    @Override
    public void onAllowed(String limiter, String key, long permits, Decision decision) {
        for (RateLimitListener listener : listeners) {
            try {
                listener.onAllowed(limiter, key, permits, decision);
            } catch (RuntimeException e) {
                LOG.warn("Rate limiter {}: listener {} threw", limiter, listener, e);
            }
        }
    }

    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        for (RateLimitListener listener : listeners) {
            try {
                listener.onDenied(limiter, key, permits, decision);
            } catch (RuntimeException e) {
                LOG.warn("Rate limiter {}: listener {} threw", limiter, listener, e);
            }
        }
    }

    @Override
    public void onStoreError(String limiter, String key, Throwable error, Decision decision) {
        for (RateLimitListener listener : listeners) {
            try {
                listener.onStoreError(limiter, key, error, decision);
            } catch (RuntimeException e) {
                LOG.warn("Rate limiter {}: listener {} threw", limiter, listener, e);
            }
        }
    }

    @Override
    public boolean measuresStoreLatency() {
        return measuresStoreLatency;
    }

    @Override
    public void onStoreLatency(String limiter, long nanos) {
        for (RateLimitListener listener : listeners) {
            if (listener.measuresStoreLatency()) {
                try {
                    listener.onStoreLatency(limiter, nanos);
                } catch (RuntimeException e) {
                    LOG.warn("Rate limiter {}: listener {} threw", limiter, listener, e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "RateLimitListener.composite" + List.of(listeners);
    }

    @Override
    public void onLimiterRemoved(String limiter) {
        for (RateLimitListener listener : listeners) {
            try {
                listener.onLimiterRemoved(limiter);
            } catch (RuntimeException e) {
                LOG.warn("Rate limiter {}: listener {} threw", limiter, listener, e);
            }
        }
    }
}
