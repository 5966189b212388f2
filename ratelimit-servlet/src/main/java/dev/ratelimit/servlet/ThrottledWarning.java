package dev.ratelimit.servlet;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning logged at most once per interval, with a count of those held back, so a store outage under heavy
 * traffic writes a line every few seconds instead of one per request. Thread-safe.
 */
final class ThrottledWarning {

    private static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Logger log;
    private final AtomicLong next = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong held = new AtomicLong();

    ThrottledWarning(Logger log) {
        this.log = log;
    }

    void warn(String message, Throwable error) {
        long now = System.nanoTime();
        long due = next.get();
        if (now - due < 0 || !next.compareAndSet(due, now + INTERVAL_NANOS)) {
            held.incrementAndGet();
            return;
        }
        long skipped = held.getAndSet(0);
        if (skipped == 0) {
            log.warn(message, error);
        } else {
            log.warn("{} ({} more like it not logged)", message, skipped, error);
        }
    }
}
