package dev.ratelimit;

import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * Where a limiter reads the time, in microseconds since the Unix epoch, and how it waits.
 *
 * <p>The default, {@link #system()}, reads the wall clock, so limiters in several processes that share a store
 * agree on window boundaries. Tests inject a manual clock instead (the {@code ratelimit-testkit} module ships
 * {@code FakeClock}) whose {@link #sleepMicros(long)} advances the time, so nothing sleeps.
 *
 * <p>The algorithms tolerate a clock that steps backwards: they never grant extra permits for it.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface TimeSource {

    /**
     * The current time.
     *
     * @return microseconds since 1970-01-01T00:00:00Z
     */
    long nowMicros();

    /**
     * Blocks the calling thread for about {@code micros} microseconds (never less), without spinning. The
     * default parks the thread; a test clock advances its time instead.
     *
     * @param micros how long to wait, in microseconds; zero or negative returns at once
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    default void sleepMicros(long micros) throws InterruptedException {
        long deadline = System.nanoTime() + Math.multiplyExact(micros, 1_000L);
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /**
     * The system wall clock at microsecond resolution.
     *
     * @return the shared, thread-safe system time source
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}

/**
 * The wall clock in microseconds, read cheaply. {@link Instant#now()} is a native call that costs about twice
 * {@link System#nanoTime()}, an intrinsic, and the clock is read on every decision; so the wall clock is read
 * once a second to anchor {@code nanoTime}, and in between the time is the anchor plus the nanoseconds elapsed.
 * Both clocks are slewed alike by NTP, so they agree between anchors unless the wall clock is stepped, and a step
 * is picked up within a second (the algorithms tolerate a clock that steps back). Thread-safe: a stale or racing
 * anchor is still a valid one.
 */
final class SystemTimeSource implements TimeSource {

    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    private static final long ANCHOR_NANOS = 1_000_000_000L;

    private volatile Anchor anchor = Anchor.now();

    private SystemTimeSource() {
    }

    @Override
    public long nowMicros() {
        long nanos = System.nanoTime();
        Anchor a = anchor;
        long elapsed = nanos - a.nanoTime;
        if (elapsed >= 0 && elapsed < ANCHOR_NANOS) {
            return Math.floorDiv(a.epochNanos + elapsed, 1_000L);
        }
        Anchor fresh = Anchor.now();
        anchor = fresh;
        return Math.floorDiv(fresh.epochNanos, 1_000L);
    }

    @Override
    public String toString() {
        return "TimeSource.system()";
    }

    /**
     * The wall clock in nanoseconds since the epoch (exact until 2262) and the nanoTime at that instant, taken as
     * the midpoint of nanoTime reads around the wall-clock read; of a few tries, the tightest pair wins, so a
     * thread descheduled mid-read does not skew the anchor.
     */
    private record Anchor(long epochNanos, long nanoTime) {
        static Anchor now() {
            Anchor best = null;
            long bestWidth = Long.MAX_VALUE;
            for (int i = 0; i < 3 && bestWidth > 2_000; i++) {
                long before = System.nanoTime();
                Instant now = Instant.now();
                long after = System.nanoTime();
                if (after - before < bestWidth) {
                    bestWidth = after - before;
                    best = new Anchor(now.getEpochSecond() * 1_000_000_000L + now.getNano(),
                            before + (after - before) / 2);
                }
            }
            return best;
        }
    }
}
