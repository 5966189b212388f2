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

    /** The current time in microseconds since 1970-01-01T00:00:00Z. */
    long nowMicros();

    /**
     * Blocks the calling thread for about {@code micros} microseconds (never less), without spinning. The
     * default parks the thread; a test clock advances its time instead.
     *
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

    /** The system wall clock at microsecond resolution. */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}

/** {@link Instant#now()} has microsecond resolution on JDK 17 for Linux and macOS. */
enum SystemTimeSource implements TimeSource {
    INSTANCE;

    @Override
    public long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    @Override
    public String toString() {
        return "TimeSource.system()";
    }
}
