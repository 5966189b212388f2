package dev.ratelimit.internal;

import dev.ratelimit.Limit;
import dev.ratelimit.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;

/**
 * The one log throttle of the library: at most a given number of lines per interval, counting the lines it held
 * back so the next line written can say how many there were. A store outage at 10,000 requests per second then
 * writes one line per interval instead of 10,000, and a flood of denials cannot flood the log.
 *
 * <p>Two ways to use it: {@link #warn(String, Throwable)} writes a WARN line itself, appending
 * {@code " (N more like it not logged)"} when lines were held back; {@link #admit()} only decides, for callers
 * that write their own line at their own level ({@link dev.ratelimit.ViolationLog} does).
 *
 * <p>Lines are counted in windows of one interval: the first line opens a window, and up to the allowed number
 * of lines are written until the interval has passed, when the next line opens a new window. A clock that steps
 * back by more than one interval opens a new window too, so a step back never silences the log for long.
 *
 * <p>Thread-safe and lock-free; a call allocates only when it opens a window. Not API: see the package comment.
 */
public final class ThrottledLog {

    private final Logger log;
    private final long linesPerInterval;
    private final long intervalMicros;
    private final TimeSource timeSource;
    private final AtomicReference<Window> window = new AtomicReference<>();
    private final AtomicLong heldBack = new AtomicLong();

    /**
     * A throttle writing to {@code log} at most one line per {@code intervalNanos} on the system clock; the first
     * call always writes.
     *
     * @param log where {@link #warn} writes
     * @param intervalNanos the interval in nanoseconds, at least 1,000 (one microsecond)
     * @throws NullPointerException if log is null
     * @throws IllegalArgumentException if intervalNanos is less than 1,000
     */
    public ThrottledLog(Logger log, long intervalNanos) {
        this(log, Limit.of(1, Duration.ofNanos(Check.between("intervalNanos", intervalNanos, 1_000, Long.MAX_VALUE)
                / 1_000 * 1_000)), TimeSource.system());
    }

    /**
     * A throttle writing to {@code log} at most {@code rate.permits()} lines per {@code rate.period()}, on the
     * given clock; the first call always writes.
     *
     * @param log where {@link #warn} writes
     * @param rate lines per interval, for example {@code Limit.parse("10/1s")}; a burst is not allowed
     * @param timeSource the clock that paces the lines (a test passes a fake clock)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if rate has a burst
     */
    public ThrottledLog(Logger log, Limit rate, TimeSource timeSource) {
        this.log = Objects.requireNonNull(log, "log");
        Objects.requireNonNull(rate, "rate");
        if (rate.hasBurst()) {
            throw new IllegalArgumentException("a log rate has no burst but was " + rate);
        }
        this.linesPerInterval = rate.permits();
        this.intervalMicros = rate.periodMicros();
        this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
    }

    /**
     * Decides whether one more line may be written now, and counts it either way.
     *
     * @return {@code -1} if the line must be left out (it is counted as held back), otherwise the number of lines
     *     held back since the last line admitted (0 if none), which the caller should mention in its line
     */
    public long admit() {
        long now = timeSource.nowMicros();
        Window w = window.get();
        if (w == null || opensWindow(now - w.start)) {
            Window fresh = new Window(now);
            w = window.compareAndSet(w, fresh) ? fresh : window.get();
        }
        if (w.lines.incrementAndGet() > linesPerInterval) {
            heldBack.incrementAndGet();
            return -1;
        }
        return heldBack.getAndSet(0);
    }

    private boolean opensWindow(long elapsed) {
        return elapsed >= intervalMicros || elapsed < -intervalMicros;
    }

    /**
     * Writes {@code message} and {@code error} at WARN if {@link #admit()} allows, appending
     * {@code " (N more like it not logged)"} when lines were held back; otherwise only counts the line. Does
     * nothing, not even count, when WARN is off for the logger.
     *
     * @param message the line to write; built by the caller, so build it only when the line is likely
     * @param error the cause to log with its stack trace, or {@code null} for none
     */
    public void warn(String message, Throwable error) {
        if (!log.isWarnEnabled()) {
            return;
        }
        long held = admit();
        if (held < 0) {
            return;
        }
        if (held == 0) {
            log.warn(message, error);
        } else {
            log.warn("{} ({} more like it not logged)", message, held, error);
        }
    }

    @Override
    public String toString() {
        return "ThrottledLog{" + log.getName() + ", " + linesPerInterval + " lines per " + intervalMicros + "us}";
    }

    /** One interval's window: when it opened and how many lines it has admitted or refused. */
    private static final class Window {
        final long start;
        final AtomicLong lines = new AtomicLong();

        Window(long start) {
            this.start = start;
        }
    }
}
