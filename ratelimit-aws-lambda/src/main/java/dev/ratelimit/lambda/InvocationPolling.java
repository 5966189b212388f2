package dev.ratelimit.lambda;

import dev.ratelimit.TimeSource;
import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.ConfigText;
import dev.ratelimit.http.RateLimitEngine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a shared configuration from the invocations: the first invocation at least one poll interval after the last
 * poll (on the engine's clock) reads the source before it is evaluated, through
 * {@link RateLimitEngine#reloadConfiguration()} (so a bad text is kept out, logged once and counted as on any poll).
 * A thread of its own could not do it: Lambda freezes the execution environment between invocations, and a thread
 * that wakes at the thaw would race the invocation it should have come before. So a change is in force for every
 * invocation that starts more than one interval after it was published, however long the environment was frozen, and
 * an idle environment costs nothing.
 *
 * <p>Thread-safe: one CAS on the next due time lets one invocation per interval read.
 */
final class InvocationPolling {

    private static final Logger LOG = LoggerFactory.getLogger(LambdaRateLimit.class);

    /** The engine's own poll of a source wrapped by {@link #unpolled}: as good as never. */
    static final Duration ENGINE_POLL_INTERVAL = Duration.ofDays(365);

    private final TimeSource time;
    private final long intervalMicros;
    private final AtomicLong nextMicros;
    private volatile RateLimitEngine engine;

    InvocationPolling(TimeSource time, Duration interval) {
        this.time = time;
        this.intervalMicros = Math.max(1, interval.toNanos() / 1000);
        this.nextMicros = new AtomicLong(Long.MAX_VALUE);
    }

    /**
     * {@code source} for the engine, which then never polls it itself (its interval is a year, and it has no push);
     * closing it closes {@code source}.
     */
    static ConfigSource unpolled(ConfigSource source) {
        return new ConfigSource() {
            @Override
            public String name() {
                return source.name();
            }

            @Override
            public ConfigText read() {
                return source.read();
            }

            @Override
            public Duration pollInterval() {
                return ENGINE_POLL_INTERVAL;
            }

            @Override
            public void close() {
                source.close();
            }

            @Override
            public String toString() {
                return source.toString();
            }
        };
    }

    /** Starts polling {@code engine}'s source: the first poll is due one interval from now. */
    void start(RateLimitEngine polled) {
        this.engine = polled;
        nextMicros.set(time.nowMicros() + intervalMicros);
    }

    /** Reads the source if the interval has passed since the last read; never throws. */
    void pollIfDue() {
        long now = time.nowMicros();
        long due = nextMicros.get();
        if (now < due || !nextMicros.compareAndSet(due, now + intervalMicros)) {
            return;
        }
        try {
            engine.reloadConfiguration(); // logs and counts a bad or unreadable text itself
        } catch (RuntimeException e) {
            LOG.warn("Rate limit function: polling the configuration {} failed; keeping version {}",
                    engine.configStatus().source(), engine.configStatus().version(), e);
        }
    }
}
