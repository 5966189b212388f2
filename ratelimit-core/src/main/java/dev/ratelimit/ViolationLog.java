package dev.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A listener that logs denied requests through SLF4J: limiter, key, limit, the wait and the reason, one line
 * each, at a configurable level (WARN by default) on the logger {@code dev.ratelimit.violations}.
 *
 * <p>The log is itself rate-limited, so an attack that is denied a million times a second cannot flood it: at
 * most {@code linesPerInterval} lines per interval (by default 10 per second); the next line written after a
 * quiet spell says how many were left out. Allowed requests are never logged.
 *
 * <pre>{@code
 * RateLimiter.builder().limit(Limit.parse("100/s")).listener(ViolationLog.builder().level(Level.INFO).build())
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ViolationLog implements RateLimitListener {

    private final Logger log;
    private final Level level;
    private final long linesPerInterval;
    private final long intervalMicros;
    private final TimeSource time;
    private final AtomicLong windowStart;
    private final AtomicLong linesInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    private ViolationLog(Builder b) {
        this.log = b.logger != null ? b.logger : LoggerFactory.getLogger("dev.ratelimit.violations");
        this.level = b.level != null ? b.level : Level.WARN;
        this.linesPerInterval = b.linesPerInterval > 0 ? b.linesPerInterval : 10;
        this.intervalMicros = b.interval != null ? b.interval.toNanos() / 1_000 : 1_000_000L;
        this.time = b.time != null ? b.time : TimeSource.system();
        this.windowStart = new AtomicLong(time.nowMicros());
    }

    /** A violation log with the defaults: WARN, at most 10 lines per second. */
    public static ViolationLog create() {
        return builder().build();
    }

    /** A builder for another level, rate or logger. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        if (!log.isEnabledForLevel(level) || !admitLine()) {
            return;
        }
        long left = suppressed.getAndSet(0);
        String wait = decision.retryAfterMicros() == Decision.NEVER_MICROS
                ? "never" : decision.retryAfter().toString();
        log.atLevel(level).log("Rate limit exceeded: limiter={} key={} permits={} limit={} retryAfter={} reason={}{}",
                limiter, key, permits, decision.limit(), wait, decision.reason(),
                left == 0 ? "" : " (" + left + " earlier violations not logged)");
    }

    private boolean admitLine() {
        long now = time.nowMicros();
        long start = windowStart.get();
        if (now - start >= intervalMicros && windowStart.compareAndSet(start, now)) {
            linesInWindow.set(0);
        }
        if (linesInWindow.incrementAndGet() <= linesPerInterval) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    @Override
    public String toString() {
        return "ViolationLog{level=" + level + ", " + linesPerInterval + " lines per " + intervalMicros + "us}";
    }

    /** Builds a {@link ViolationLog}; each option may be set once. Not thread-safe. */
    public static final class Builder {
        private Level level;
        private long linesPerInterval;
        private Duration interval;
        private Logger logger;
        private TimeSource time;

        private Builder() {
        }

        /** The clock that paces the lines; the system clock by default. */
        public Builder timeSource(TimeSource time) {
            if (this.time != null) {
                throw new IllegalStateException("timeSource was already set to " + this.time);
            }
            this.time = Objects.requireNonNull(time, "time");
            return this;
        }

        /** The level of each line; WARN by default. */
        public Builder level(Level level) {
            if (this.level != null) {
                throw new IllegalStateException("level was already set to " + this.level);
            }
            this.level = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * At most {@code lines} lines per {@code interval}; 10 per second by default.
         *
         * @throws IllegalArgumentException if lines is not positive or the interval is not at least 1 ms
         */
        public Builder rate(long lines, Duration interval) {
            if (this.interval != null) {
                throw new IllegalStateException("rate was already set to " + linesPerInterval + " per " + this.interval);
            }
            if (lines < 1) {
                throw new IllegalArgumentException("lines must be positive but was " + lines);
            }
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("interval must be at least 1ms but was " + interval);
            }
            this.linesPerInterval = lines;
            this.interval = interval;
            return this;
        }

        /** The logger; {@code dev.ratelimit.violations} by default. */
        public Builder logger(Logger logger) {
            if (this.logger != null) {
                throw new IllegalStateException("logger was already set to " + this.logger.getName());
            }
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /** The violation log. */
        public ViolationLog build() {
            return new ViolationLog(this);
        }
    }

}
