package dev.ratelimit;

import dev.ratelimit.internal.ThrottledLog;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A listener that logs denied requests through SLF4J: limiter, key, limit, the wait and the reason, one line
 * each, at a configurable level (WARN by default) on the logger {@code dev.ratelimit.violations}.
 *
 * <p>The log is itself rate-limited, so an attack that is denied a million times a second cannot flood it: at
 * most {@code rate.permits()} lines per {@code rate.period()} (by default {@code 10/1s}); the next line written
 * after a quiet spell ends with {@code "(N earlier violations not logged)"}. Allowed requests are never logged.
 *
 * <pre>{@code
 * RateLimiter.builder().limit(Limit.parse("100/s")).listener(ViolationLog.builder().level(Level.INFO).build())
 * }</pre>
 *
 * <p>Thread-safe and lock-free; one instance may serve many limiters, which then share its rate.
 */
public final class ViolationLog implements RateLimitListener {

    /** The default rate: at most 10 lines per second. */
    public static final Limit DEFAULT_RATE = Limit.of(10, Duration.ofSeconds(1));

    private final Logger log;
    private final Level level;
    private final Limit rate;
    private final ThrottledLog throttle;

    private ViolationLog(Builder b) {
        this.log = b.logger != null ? b.logger : LoggerFactory.getLogger("dev.ratelimit.violations");
        this.level = b.level;
        this.rate = b.rate;
        this.throttle = new ThrottledLog(log, rate, b.timeSource);
    }

    /**
     * A violation log with the defaults: WARN, at most 10 lines per second, on the system clock.
     *
     * @return a new violation log
     */
    public static ViolationLog create() {
        return builder().build();
    }

    /**
     * A builder for another level, rate, logger or clock.
     *
     * @return a new builder with every option at its default
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        if (!log.isEnabledForLevel(level)) {
            return;
        }
        long left = throttle.admit();
        if (left < 0) {
            return;
        }
        String wait = decision.retryAfterMicros() == Decision.NEVER_MICROS
                ? "never" : decision.retryAfter().toString();
        log.atLevel(level).log("Rate limit exceeded: limiter={} key={} permits={} limit={} retryAfter={} reason={}{}",
                limiter, key, permits, decision.limit(), wait, decision.reason(),
                left == 0 ? "" : " (" + left + " earlier violations not logged)");
    }

    @Override
    public String toString() {
        return "ViolationLog{level=" + level + ", rate=" + rate + ", logger=" + log.getName() + '}';
    }

    /**
     * Builds a {@link ViolationLog}. Setting an option again replaces the earlier value (the last call wins); a
     * null argument throws {@link NullPointerException} naming the parameter. Not thread-safe: configure it on
     * one thread.
     */
    public static final class Builder {
        private Level level = Level.WARN;
        private Limit rate = DEFAULT_RATE;
        private Logger logger;
        private TimeSource timeSource = TimeSource.system();

        private Builder() {
        }

        /**
         * The clock that paces the lines; {@link TimeSource#system()} by default. Tests pass a fake clock.
         *
         * @param timeSource the clock
         * @return this builder
         * @throws NullPointerException if timeSource is null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * The level of each line; WARN by default.
         *
         * @param level the SLF4J level
         * @return this builder
         * @throws NullPointerException if level is null
         */
        public Builder level(Level level) {
            this.level = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * At most {@code rate.permits()} lines per {@code rate.period()}; {@link #DEFAULT_RATE} ({@code 10/1s})
         * by default. For example {@code rate(Limit.parse("3/1m"))}.
         *
         * @param rate lines per period, as a limit without a burst
         * @return this builder
         * @throws NullPointerException if rate is null
         * @throws IllegalArgumentException if rate has a burst, which a log rate does not use
         */
        public Builder rate(Limit rate) {
            Objects.requireNonNull(rate, "rate");
            if (rate.hasBurst()) {
                throw new IllegalArgumentException("rate must not have a burst but was " + rate);
            }
            this.rate = rate;
            return this;
        }

        /**
         * The logger; {@code dev.ratelimit.violations} by default.
         *
         * @param logger the SLF4J logger the lines go to
         * @return this builder
         * @throws NullPointerException if logger is null
         */
        public Builder logger(Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * The violation log.
         *
         * @return a new violation log with the options set so far
         */
        public ViolationLog build() {
            return new ViolationLog(this);
        }
    }
}
