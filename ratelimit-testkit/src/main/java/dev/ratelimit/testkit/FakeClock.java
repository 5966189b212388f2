package dev.ratelimit.testkit;

import dev.ratelimit.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TimeSource} that moves only when told to, for deterministic tests of code that uses a limiter.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * RateLimiter limiter = RateLimiter.builder().limit(Limit.parse("1/s")).timeSource(clock).build();
 * limiter.tryAcquire("k");                 // allowed
 * limiter.tryAcquire("k");                 // denied, retryAfter = 1s
 * clock.advance(Duration.ofSeconds(1));
 * limiter.tryAcquire("k");                 // allowed
 * }</pre>
 *
 * <p>{@link #sleepMicros(long)} does not block: it advances the clock and records the wait, so a test of a
 * blocking {@code acquire} runs instantly and can assert what would have been slept ({@link #sleeps()}).
 *
 * <p>Thread-safe.
 */
public final class FakeClock implements TimeSource {

    /**
     * 2100-01-01T00:00:00Z, a start aligned to every second, minute, hour and day.
     *
     * <p>It lies in the future on purpose: stores that write an expiry as wall-clock epoch seconds (DynamoDB's TTL
     * attribute) have their items deleted in the background when that time has passed, which would make a test
     * driven by a clock in the past lose state at random.
     */
    public static final Instant DEFAULT_START = Instant.parse("2100-01-01T00:00:00Z");

    private final AtomicLong nowMicros;
    private final List<Long> sleeps = new ArrayList<>();

    /** A clock at {@link #DEFAULT_START}. */
    public FakeClock() {
        this(DEFAULT_START);
    }

    /**
     * A clock at {@code start}.
     *
     * @param start the initial time, truncated to microseconds
     * @throws NullPointerException if start is null
     */
    public FakeClock(Instant start) {
        this.nowMicros = new AtomicLong(toMicros(Objects.requireNonNull(start, "start")));
    }

    @Override
    public long nowMicros() {
        return nowMicros.get();
    }

    /**
     * The current time as an instant.
     *
     * @return the time, at microsecond resolution
     */
    public Instant now() {
        long micros = nowMicros.get();
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000);
    }

    /**
     * Moves the clock forward (or backward, for a negative amount) by {@code amount}, truncated to microseconds.
     *
     * @param amount how far to move the clock
     * @return this clock
     * @throws NullPointerException if amount is null
     */
    public FakeClock advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        return advanceMicros(amount.getSeconds() * 1_000_000 + amount.getNano() / 1_000);
    }

    /**
     * Moves the clock by {@code micros} microseconds; negative moves it back.
     *
     * @param micros how far to move the clock, in microseconds
     * @return this clock
     */
    public FakeClock advanceMicros(long micros) {
        nowMicros.addAndGet(micros);
        return this;
    }

    /**
     * Sets the clock to {@code instant}.
     *
     * @param instant the new time, truncated to microseconds
     * @return this clock
     * @throws NullPointerException if instant is null
     */
    public FakeClock set(Instant instant) {
        nowMicros.set(toMicros(instant));
        return this;
    }

    /** Advances the clock by {@code micros} and records the wait instead of blocking. */
    @Override
    public void sleepMicros(long micros) {
        synchronized (sleeps) {
            sleeps.add(micros);
        }
        nowMicros.addAndGet(micros);
    }

    /**
     * The waits passed to {@link #sleepMicros(long)} so far.
     *
     * @return the waits in microseconds, oldest first; an immutable copy
     */
    public List<Long> sleeps() {
        synchronized (sleeps) {
            return List.copyOf(sleeps);
        }
    }

    @Override
    public String toString() {
        return "FakeClock{" + now() + '}';
    }

    private static long toMicros(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }
}
