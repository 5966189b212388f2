package dev.ratelimit;

import dev.ratelimit.internal.Check;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to one request for permits: whether it was allowed and what the client should know.
 *
 * <ul>
 *   <li>{@link #limit()}: the limit this decision reports. When denied, the limit that denied (of several, the one
 *       with the longest wait). When allowed, the limit with the fewest permits left (the first on a tie).</li>
 *   <li>{@link #remaining()}: permits that could still be acquired now, after this decision, under the tightest
 *       limit.</li>
 *   <li>{@link #resetAfter()}: how long until the reported limit is back at its full allowance if nothing more
 *       is spent.</li>
 *   <li>{@link #retryAfter()}: zero when allowed; when denied, the least wait after which the same request
 *       would be allowed if nothing else is spent. It is exact: retrying at exactly this time succeeds and one
 *       microsecond earlier fails. For {@link Reason#EXCEEDS_CAPACITY} it is {@link #NEVER_MICROS} (about 292
 *       years: finite, so converting or adding it never overflows).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe. Stores and tests create decisions through the static factories.
 */
public final class Decision {

    /**
     * {@link #retryAfterMicros()} of a request that can never be allowed ({@link Reason#EXCEEDS_CAPACITY}):
     * {@code Long.MAX_VALUE / 1000} microseconds, about 292 years. It is finite so that every conversion a caller
     * is likely to make works: {@link #retryAfter()}{@code .toNanos()}, {@code .toMillis()},
     * {@code Instant.now().plus(retryAfter())} and {@code nowMicros + retryAfterMicros()} do not overflow. It is
     * longer than any wait a {@link Reason#LIMIT_EXCEEDED} denial reports (the builder rejects limits whose waits
     * could reach it), so compare with it ({@code ==}) or check {@link #reason()} to tell "never" apart.
     */
    public static final long NEVER_MICROS = Long.MAX_VALUE / 1_000;

    /** Why a decision was made. An enum: immutable and thread-safe. */
    public enum Reason {
        /** Every limit had room; the permits were spent. */
        WITHIN_LIMIT,
        /** A limit had too few permits left; nothing was spent. */
        LIMIT_EXCEEDED,
        /** More permits were asked for than a limit can ever hold; nothing was spent and waiting will not help. */
        EXCEEDS_CAPACITY,
        /** The store failed or timed out and the limiter's {@link FailurePolicy} made the decision. */
        STORE_UNAVAILABLE
    }

    private final boolean allowed;
    private final Reason reason;
    private final Limit limit;
    private final long remaining;
    private final long resetAfterMicros;
    private final long retryAfterMicros;

    private Decision(boolean allowed, Reason reason, Limit limit, long remaining, long resetAfterMicros,
            long retryAfterMicros) {
        this.allowed = allowed;
        this.reason = reason;
        this.limit = limit;
        this.remaining = remaining;
        this.resetAfterMicros = resetAfterMicros;
        this.retryAfterMicros = retryAfterMicros;
    }

    /**
     * An allowed decision: the permits were spent.
     *
     * @param limit the limit to report: the one with the fewest permits left
     * @param remaining permits still available under that limit after this decision, zero or more
     * @param resetAfterMicros microseconds until that limit is back at full allowance, zero or more
     * @return the decision, with reason {@link Reason#WITHIN_LIMIT} and no wait
     * @throws NullPointerException if limit is null
     * @throws IllegalArgumentException if remaining or resetAfterMicros is negative
     */
    public static Decision allowed(Limit limit, long remaining, long resetAfterMicros) {
        Objects.requireNonNull(limit, "limit");
        Check.notNegative("remaining", remaining);
        Check.notNegative("resetAfterMicros", resetAfterMicros);
        return new Decision(true, Reason.WITHIN_LIMIT, limit, remaining, resetAfterMicros, 0);
    }

    /**
     * A denied decision: {@code limit} had too few permits left.
     *
     * @param limit the limit that denied: of several, the one with the longest wait
     * @param remaining permits available now under the tightest limit, zero or more
     * @param resetAfterMicros microseconds until the denying limit is back at full allowance, zero or more
     * @param retryAfterMicros the exact least wait in microseconds after which the same request would be
     *     allowed, at least 1
     * @return the decision, with reason {@link Reason#LIMIT_EXCEEDED}
     * @throws NullPointerException if limit is null
     * @throws IllegalArgumentException if remaining or resetAfterMicros is negative, or retryAfterMicros is not
     *     positive
     */
    public static Decision denied(Limit limit, long remaining, long resetAfterMicros, long retryAfterMicros) {
        Objects.requireNonNull(limit, "limit");
        Check.notNegative("remaining", remaining);
        Check.notNegative("resetAfterMicros", resetAfterMicros);
        Check.positive("retryAfterMicros", retryAfterMicros);
        return new Decision(false, Reason.LIMIT_EXCEEDED, limit, remaining, resetAfterMicros, retryAfterMicros);
    }

    /**
     * A denial because the request asked for more than {@code limit}'s {@link Limit#capacity()}: waiting will
     * not help.
     *
     * @param limit the limit whose capacity the request exceeds
     * @param remaining permits available now; a negative value counts as zero
     * @param resetAfterMicros microseconds until that limit is back at full allowance; a negative value counts
     *     as zero
     * @return the decision, with reason {@link Reason#EXCEEDS_CAPACITY} and a wait of {@link #NEVER_MICROS}
     * @throws NullPointerException if limit is null
     */
    public static Decision exceedsCapacity(Limit limit, long remaining, long resetAfterMicros) {
        Objects.requireNonNull(limit, "limit");
        return new Decision(false, Reason.EXCEEDS_CAPACITY, limit, Math.max(0, remaining),
                Math.max(0, resetAfterMicros), NEVER_MICROS);
    }

    /**
     * A decision made without the store, by a {@link FailurePolicy}. Allowed decisions report {@code remaining}
     * as given; denied ones wait {@code retryAfterMicros}.
     *
     * @param allowed whether the failure policy allows the request
     * @param limit the limit to report (the limiter's smallest)
     * @param remaining permits to report as remaining, zero or more
     * @param retryAfterMicros for a denial, the wait in microseconds to tell the client, at least 1; ignored
     *     when allowed
     * @return the decision, with reason {@link Reason#STORE_UNAVAILABLE} and a reset time of zero
     * @throws NullPointerException if limit is null
     * @throws IllegalArgumentException if remaining is negative, or a denial's retryAfterMicros is not positive
     */
    public static Decision storeUnavailable(boolean allowed, Limit limit, long remaining, long retryAfterMicros) {
        Objects.requireNonNull(limit, "limit");
        Check.notNegative("remaining", remaining);
        if (!allowed) {
            Check.positive("retryAfterMicros", retryAfterMicros);
        }
        return new Decision(allowed, Reason.STORE_UNAVAILABLE, limit, remaining, 0, allowed ? 0 : retryAfterMicros);
    }

    /**
     * Whether the permits were granted.
     *
     * @return true if the permits were spent (or the failure policy allowed), false if nothing was spent
     */
    public boolean allowed() {
        return allowed;
    }

    /**
     * Why the decision was made.
     *
     * @return the reason; {@link Reason#WITHIN_LIMIT} for every allowed decision the store made
     */
    public Reason reason() {
        return reason;
    }

    /**
     * The limit this decision reports; see the class comment.
     *
     * @return the denying limit when denied, the tightest limit when allowed; never null
     */
    public Limit limit() {
        return limit;
    }

    /**
     * The limit that denied.
     *
     * @return the limit that denied, or empty when allowed
     */
    public Optional<Limit> deniedBy() {
        return allowed ? Optional.empty() : Optional.of(limit);
    }

    /**
     * Permits that could still be acquired now under the tightest limit.
     *
     * @return the remaining permits after this decision, zero or more
     */
    public long remaining() {
        return remaining;
    }

    /**
     * Time until the reported limit is back at full allowance if nothing more is spent.
     *
     * @return the time, zero or more, at microsecond resolution
     */
    public Duration resetAfter() {
        return Duration.of(resetAfterMicros, java.time.temporal.ChronoUnit.MICROS);
    }

    /**
     * {@link #resetAfter()} in microseconds.
     *
     * @return microseconds until the reported limit is back at full allowance, zero or more
     */
    public long resetAfterMicros() {
        return resetAfterMicros;
    }

    /**
     * The least wait before the same request can succeed; zero when allowed. For a request that can never
     * succeed ({@link Reason#EXCEEDS_CAPACITY}) it is {@link #NEVER_MICROS} microseconds (about 292 years): a
     * finite duration, so {@code toNanos()}, {@code toMillis()} and {@code Instant.now().plus(retryAfter())} are
     * safe on every decision. Check {@link #reason()} to tell "never" from a long wait.
     *
     * @return the wait, zero when allowed, at microsecond resolution
     */
    public Duration retryAfter() {
        return Duration.of(retryAfterMicros, java.time.temporal.ChronoUnit.MICROS);
    }

    /**
     * {@link #retryAfter()} in microseconds.
     *
     * @return the wait in microseconds: zero when allowed, {@link #NEVER_MICROS} if the request can never
     *     succeed
     */
    public long retryAfterMicros() {
        return retryAfterMicros;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Decision d
                && allowed == d.allowed
                && reason == d.reason
                && limit.equals(d.limit)
                && remaining == d.remaining
                && resetAfterMicros == d.resetAfterMicros
                && retryAfterMicros == d.retryAfterMicros;
    }

    @Override
    public int hashCode() {
        return Objects.hash(allowed, reason, limit, remaining, resetAfterMicros, retryAfterMicros);
    }

    @Override
    public String toString() {
        return "Decision{" + (allowed ? "allowed" : "denied") + ", reason=" + reason + ", limit=" + limit
                + ", remaining=" + remaining + ", resetAfterMicros=" + resetAfterMicros
                + ", retryAfterMicros=" + (retryAfterMicros == NEVER_MICROS ? "never" : retryAfterMicros) + '}';
    }
}
