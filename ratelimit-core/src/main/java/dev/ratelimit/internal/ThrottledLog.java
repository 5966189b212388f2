package dev.ratelimit.internal;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a warning at most once per interval and counts what it held back, so a store outage at 10,000 requests
 * per second writes one line per interval instead of 10,000. Thread-safe. Not public API.
 */
public final class ThrottledLog {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong suppressed = new AtomicLong();

    /** Logs to {@code log} at most once per {@code intervalNanos}; the first call always logs. */
    public ThrottledLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.nextNanos = new AtomicLong(System.nanoTime() - intervalNanos);
    }

    /**
     * Logs {@code message} and {@code error} at WARN if the interval has passed since the last line, with how many
     * were held back; otherwise only counts it.
     */
    public void warn(String message, Throwable error) {
        long now = System.nanoTime();
        long next = nextNanos.get();
        if (now - next < 0 || !nextNanos.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long held = suppressed.getAndSet(0);
        if (held == 0) {
            log.warn(message, error);
        } else {
            log.warn("{} ({} similar messages suppressed)", message, held, error);
        }
    }
}
