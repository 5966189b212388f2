package dev.ratelimit;

import dev.ratelimit.internal.Check;
import java.time.Duration;
import java.util.Objects;

/**
 * A quota: at most {@link #permits()} permits per {@link #period()}, with an optional burst
 * ({@link #withBurst(long)}) that sets the {@linkplain #capacity() capacity} of a
 * {@link Algorithm#TOKEN_BUCKET token bucket}.
 *
 * <p>Create one with {@link #of(long, Duration)} or from text with {@link #parse(CharSequence)}:
 * <pre>{@code
 * Limit.of(100, Duration.ofMinutes(1));   // 100 per minute
 * Limit.parse("100/1m");                  // the same
 * Limit.parse("10/s");                    // 10 per second
 * Limit.parse("5/24h");                   // 5 per 24 hours
 * Limit.parse("100/s burst 500");         // token bucket refilling 100/s, holding up to 500
 * }</pre>
 *
 * <h2>Text grammar</h2>
 * <pre>
 * limit   = permits "/" [amount] unit [ " burst " burst ]
 * permits = a positive decimal integer
 * amount  = a positive decimal integer (1 if absent)
 * unit    = "us" | "ms" | "s" | "m" | "h" | "d"     (microseconds ... days; case-insensitive)
 * burst   = a positive decimal integer
 * </pre>
 * Spaces are allowed around {@code /} and between tokens. {@link #toString()} prints this form, so
 * {@code Limit.parse(limit.toString()).equals(limit)}. Text that does not match throws a
 * {@link LimitParseException} naming the text and the position of the first bad character.
 *
 * <h2>Resolution and range</h2>
 * Periods are whole microseconds from 1 us to 3,650 days; a period with a sub-microsecond part is rejected
 * rather than rounded. Permits and burst are 1 to 2<sup>53</sup>-1, so every store (including Redis, whose Lua
 * numbers are doubles) represents them exactly. Each algorithm may set a tighter bound on
 * {@code permits x period} (and a token bucket on its refill time); {@link RateLimiter.Builder#build()} checks it
 * and names the limit and the bound when a limit is too large.
 *
 * <p>Instances are immutable and thread-safe; {@link #equals(Object)} compares permits, period and burst.
 */
public final class Limit {

    /** Largest permits or burst value: 2<sup>53</sup>-1, exact in every store. */
    public static final long MAX_PERMITS = (1L << 53) - 1;
    /** Longest period, in microseconds: 3,650 days. */
    public static final long MAX_PERIOD_MICROS = 3650L * 86_400_000_000L;

    private final long permits;
    private final long periodMicros;
    private final long burst;
    private final boolean burstSet;
    private final long intervalNumerator;
    private final long intervalDenominator;

    private Limit(long permits, long periodMicros, long burst, boolean burstSet) {
        this.permits = permits;
        this.periodMicros = periodMicros;
        this.burst = burst;
        this.burstSet = burstSet;
        long g = gcd(periodMicros, permits);
        this.intervalNumerator = periodMicros / g;
        this.intervalDenominator = permits / g;
    }

    /**
     * A limit of {@code permits} per {@code period}.
     *
     * @param permits how many permits each period allows, 1 to {@link #MAX_PERMITS}
     * @param period the period, a positive whole number of microseconds up to 3,650 days
     * @return the limit, without a burst
     * @throws NullPointerException if period is null
     * @throws IllegalArgumentException if permits is not in 1..{@link #MAX_PERMITS}, or the period is not
     *     positive, longer than 3,650 days or not a whole number of microseconds
     */
    public static Limit of(long permits, Duration period) {
        checkPermits("permits", permits);
        return new Limit(permits, toMicros(period), permits, false);
    }

    /**
     * Shorthand for {@code Limit.of(permits, Duration.ofSeconds(1))}.
     *
     * @param permits how many permits each second allows, 1 to {@link #MAX_PERMITS}
     * @return the limit
     * @throws IllegalArgumentException if permits is out of range
     */
    public static Limit perSecond(long permits) {
        return of(permits, Duration.ofSeconds(1));
    }

    /**
     * Shorthand for {@code Limit.of(permits, Duration.ofMinutes(1))}.
     *
     * @param permits how many permits each minute allows, 1 to {@link #MAX_PERMITS}
     * @return the limit
     * @throws IllegalArgumentException if permits is out of range
     */
    public static Limit perMinute(long permits) {
        return of(permits, Duration.ofMinutes(1));
    }

    /**
     * Shorthand for {@code Limit.of(permits, Duration.ofHours(1))}.
     *
     * @param permits how many permits each hour allows, 1 to {@link #MAX_PERMITS}
     * @return the limit
     * @throws IllegalArgumentException if permits is out of range
     */
    public static Limit perHour(long permits) {
        return of(permits, Duration.ofHours(1));
    }

    /**
     * Shorthand for {@code Limit.of(permits, Duration.ofDays(1))}.
     *
     * @param permits how many permits each day (24 hours) allows, 1 to {@link #MAX_PERMITS}
     * @return the limit
     * @throws IllegalArgumentException if permits is out of range
     */
    public static Limit perDay(long permits) {
        return of(permits, Duration.ofDays(1));
    }

    /**
     * Parses the text form described in the class comment, for example {@code "100/1m"}.
     *
     * @param text the limit as text, such as {@code "10/s"} or {@code "100/1s burst 500"}
     * @return the limit the text describes
     * @throws LimitParseException if the text does not match the grammar or a value is out of range
     * @throws NullPointerException if text is null
     */
    public static Limit parse(CharSequence text) {
        Objects.requireNonNull(text, "text");
        return new LimitParser(text.toString()).parse();
    }

    /**
     * A copy of this limit whose token bucket holds up to {@code burst} permits. Only
     * {@link Algorithm#TOKEN_BUCKET} uses a burst; the limiter builder rejects a burst with other algorithms.
     *
     * @param burst the most permits the bucket holds, 1 to {@link #MAX_PERMITS}; it may be below or above the
     *     permits per period
     * @return a new limit with the same permits and period and this burst
     * @throws IllegalArgumentException if burst is not in 1..{@link #MAX_PERMITS}
     */
    public Limit withBurst(long burst) {
        checkPermits("burst", burst);
        return new Limit(permits, periodMicros, burst, true);
    }

    /**
     * Permits per period.
     *
     * @return how many permits each period allows (for a token bucket: the refill per period)
     */
    public long permits() {
        return permits;
    }

    /**
     * The period.
     *
     * @return the period, a whole number of microseconds
     */
    public Duration period() {
        return Duration.ofSeconds(periodMicros / 1_000_000, (periodMicros % 1_000_000) * 1_000);
    }

    /**
     * The period in microseconds.
     *
     * @return the period in microseconds, 1 to {@link #MAX_PERIOD_MICROS}
     */
    public long periodMicros() {
        return periodMicros;
    }

    /**
     * The most permits this limit can ever grant at once: the burst if one was set, otherwise {@link #permits()}.
     * A request for more is denied with {@link Decision.Reason#EXCEEDS_CAPACITY}.
     *
     * @return the capacity in permits, 1 to {@link #MAX_PERMITS}
     */
    public long capacity() {
        return burst;
    }

    /**
     * Whether {@link #withBurst(long)} set a burst (even one equal to permits).
     *
     * @return true if this limit has a burst; only {@link Algorithm#TOKEN_BUCKET} accepts such a limit
     */
    public boolean hasBurst() {
        return burstSet;
    }

    /**
     * The numerator of the token bucket's emission interval {@code period / permits} in microseconds, as a
     * reduced fraction {@code numerator / denominator}. Stores implementing {@link Algorithm#TOKEN_BUCKET} use it
     * to keep integer arithmetic exact.
     *
     * @return {@code periodMicros / gcd(periodMicros, permits)}
     */
    public long intervalNumerator() {
        return intervalNumerator;
    }

    /**
     * The denominator of the reduced emission interval; see {@link #intervalNumerator()}.
     *
     * @return {@code permits / gcd(periodMicros, permits)}
     */
    public long intervalDenominator() {
        return intervalDenominator;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit other
                && permits == other.permits
                && periodMicros == other.periodMicros
                && burst == other.burst
                && burstSet == other.burstSet;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(permits) * 31 * 31 + Long.hashCode(periodMicros) * 31 + Long.hashCode(burst)
                + (burstSet ? 1 : 0);
    }

    /** The text form, for example {@code "100/1m"} or {@code "100/1s burst 500"}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        String s = permits + "/" + formatPeriod(periodMicros);
        return burstSet ? s + " burst " + burst : s;
    }

    static String formatPeriod(long micros) {
        long[] sizes = {86_400_000_000L, 3_600_000_000L, 60_000_000L, 1_000_000L, 1_000L, 1L};
        String[] units = {"d", "h", "m", "s", "ms", "us"};
        for (int i = 0; i < sizes.length; i++) {
            if (micros % sizes[i] == 0) {
                return (micros / sizes[i]) + units[i];
            }
        }
        throw new AssertionError(micros);
    }

    static void checkPermits(String what, long value) {
        Check.between(what, value, 1, MAX_PERMITS);
    }

    static long toMicros(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive but was " + period);
        }
        if (period.getNano() % 1_000 != 0) {
            throw new IllegalArgumentException(
                    "period must be a whole number of microseconds but was " + period);
        }
        if (period.getSeconds() > MAX_PERIOD_MICROS / 1_000_000) {
            throw new IllegalArgumentException("period must be at most 3650 days but was " + period);
        }
        long micros = period.getSeconds() * 1_000_000 + period.getNano() / 1_000;
        if (micros > MAX_PERIOD_MICROS) {
            throw new IllegalArgumentException("period must be at most 3650 days but was " + period);
        }
        return micros;
    }

    static Limit ofMicros(long permits, long periodMicros, long burst, boolean burstSet) {
        return new Limit(permits, periodMicros, burst, burstSet);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
