package dev.ratelimit;

import dev.ratelimit.internal.Check;
import java.time.Duration;
import java.util.Objects;

/**
 * What a limiter decides when its store fails or times out.
 *
 * <ul>
 *   <li>{@link #allow()} (fail-open, the default): the request is allowed. Right when the limiter protects against
 *       overuse rather than enforcing a contract; an outage of the store is not an outage of the API.</li>
 *   <li>{@link #deny()} (fail-closed): the request is denied with a short retry-after. Right when going over the
 *       limit costs money or breaks an upstream's terms.</li>
 *   <li>{@link #fallbackTo(RateLimiter)}: another limiter decides, typically an in-memory one with a share of the
 *       global limit per instance.</li>
 * </ul>
 * Every failure is passed to the listener; failures are logged at WARN at most once per 10 seconds per limiter
 * (on the limiter's time source), with a count of those not logged.
 *
 * <p>Immutable and thread-safe.
 */
public final class FailurePolicy {

    enum Kind { ALLOW, DENY, FALLBACK }

    private static final FailurePolicy ALLOW = new FailurePolicy(Kind.ALLOW, 0, null);
    private static final FailurePolicy DENY = new FailurePolicy(Kind.DENY, 1_000_000, null);

    final Kind kind;
    final long retryAfterMicros;
    final RateLimiter fallback;

    private FailurePolicy(Kind kind, long retryAfterMicros, RateLimiter fallback) {
        this.kind = kind;
        this.retryAfterMicros = retryAfterMicros;
        this.fallback = fallback;
    }

    /**
     * Fail open: allow the request. Its decision has reason {@link Decision.Reason#STORE_UNAVAILABLE}.
     *
     * @return the fail-open policy, the default
     */
    public static FailurePolicy allow() {
        return ALLOW;
    }

    /**
     * Fail closed: deny the request, telling the client to retry after 1 second.
     *
     * @return the fail-closed policy with a 1-second wait
     */
    public static FailurePolicy deny() {
        return DENY;
    }

    /**
     * Fail closed, telling the client to retry after {@code retryAfter}.
     *
     * @param retryAfter the wait each denial reports, at least one microsecond (a sub-microsecond part is
     *     dropped; waits beyond {@link Decision#NEVER_MICROS} count as that)
     * @return a fail-closed policy with that wait
     * @throws NullPointerException if retryAfter is null
     * @throws IllegalArgumentException if retryAfter is not at least one microsecond
     */
    public static FailurePolicy deny(Duration retryAfter) {
        return new FailurePolicy(Kind.DENY,
                Math.min(Check.atLeastOneMicro("retryAfter", retryAfter), Decision.NEVER_MICROS), null);
    }

    /**
     * Let {@code fallback} decide; its decision is returned as it is (its reason is not
     * {@link Decision.Reason#STORE_UNAVAILABLE}).
     *
     * @param fallback the limiter that decides while the store fails, typically an in-memory one with this
     *     instance's share of the limit; it should not use the failing store
     * @return a policy delegating to {@code fallback}
     * @throws NullPointerException if fallback is null
     */
    public static FailurePolicy fallbackTo(RateLimiter fallback) {
        return new FailurePolicy(Kind.FALLBACK, 0, Objects.requireNonNull(fallback, "fallback"));
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALLOW -> "FailurePolicy.allow()";
            case DENY -> "FailurePolicy.deny(" + retryAfterMicros + "us)";
            case FALLBACK -> "FailurePolicy.fallbackTo(" + fallback.name() + ")";
        };
    }
}
