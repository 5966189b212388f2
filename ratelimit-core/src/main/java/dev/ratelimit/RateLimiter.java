package dev.ratelimit;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a key may spend permits now, and if not, when.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.builder()
 *         .limits(Limit.parse("100/s"), Limit.parse("10000/1d"))   // both must allow
 *         .algorithm(Algorithm.TOKEN_BUCKET)
 *         .build();                                                // in-memory store by default
 *
 * Decision decision = limiter.tryAcquire("api-key-42");
 * if (!decision.allowed()) {
 *     // answer 429, retry after decision.retryAfter()
 * }
 * }</pre>
 *
 * <p>A key is any non-empty string: an IP address, a user id, an API key, a constant for a global limit. With
 * several limits, permits are spent on all of them or on none, atomically.
 *
 * <p>When the store fails (throws, or an asynchronous call times out), the {@link FailurePolicy} decides; the
 * default allows and logs. Bad arguments fail at the call: a null argument throws {@link NullPointerException}
 * naming the parameter, any other bad value an {@link IllegalArgumentException} naming the value.
 *
 * <p>Implementations are thread-safe.
 */
public interface RateLimiter {

    /** A builder; see {@link Builder} for the options and their defaults. */
    static Builder builder() {
        return new Builder();
    }

    /** Same as {@code tryAcquire(key, 1)}. */
    Decision tryAcquire(String key);

    /**
     * Spends {@code permits} for {@code key} if every limit allows, without waiting.
     *
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty, or permits is not positive
     */
    Decision tryAcquire(String key, long permits);

    /** Same as {@code tryAcquireAsync(key, 1)}. */
    CompletionStage<Decision> tryAcquireAsync(String key);

    /**
     * The asynchronous {@link #tryAcquire(String, long)}: completes with the decision, or with the failure
     * policy's decision if the store fails or does not answer within the {@linkplain Builder#timeout timeout}.
     * The stage never completes exceptionally for a store failure.
     *
     * @throws NullPointerException at the call, if key is null
     * @throws IllegalArgumentException at the call, for the same bad input as the synchronous form
     */
    CompletionStage<Decision> tryAcquireAsync(String key, long permits);

    /**
     * Spends {@code permits} for {@code key}, waiting (without spinning) until the limits allow, for at most
     * {@code maxWait}. Returns as soon as the permits are granted, or at once with the denied decision when the
     * wait would exceed what is left of {@code maxWait}, when the request exceeds a limit's capacity, or when the
     * failure policy denies. Meant for batch jobs pacing themselves.
     *
     * @throws NullPointerException if key or maxWait is null
     * @throws IllegalArgumentException if key is empty, permits is not positive, or maxWait is negative
     * @throws InterruptedException if interrupted while waiting; nothing is spent then
     */
    Decision acquire(String key, long permits, Duration maxWait) throws InterruptedException;

    /**
     * The key's current state without spending anything: {@code remaining} and {@code resetAfter} as they are
     * now. Store failures propagate as {@link dev.ratelimit.spi.StoreException}.
     *
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty
     */
    Decision peek(String key);

    /**
     * Gives back up to {@code permits} the key spent, for example when the work they paid for failed: each limit
     * regains them, but never beyond its full allowance. For window algorithms only the current window's permits
     * can be given back. Any positive count is accepted: a refund of at least the largest capacity of the limits
     * fills every limit (a larger count means the same as that capacity). Store failures propagate as
     * {@link dev.ratelimit.spi.StoreException}.
     *
     * @return the key's state afterwards, as {@link #peek} reports it
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty, or permits is not positive
     */
    Decision refund(String key, long permits);

    /**
     * Spends up to {@code permits} more for the key without asking the limits, for example after a failed login;
     * no limit goes below zero remaining. Any positive count is accepted: a penalty of at least the largest
     * capacity of the limits empties every limit (a larger count means the same as that capacity). Store failures
     * propagate as {@link dev.ratelimit.spi.StoreException}.
     *
     * @return the key's state afterwards, as {@link #peek} reports it
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty, or permits is not positive
     */
    Decision penalize(String key, long permits);

    /**
     * Forgets the key's state: its next request sees the full allowance. Store failures propagate.
     *
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty
     */
    void reset(String key);

    /** The limiter's name: its key prefix unless set otherwise. */
    String name();

    /** The limits, in the order given to the builder. */
    List<Limit> limits();

    /** The algorithm. */
    Algorithm algorithm();

    /**
     * Builds a {@link RateLimiter}. Each option may be set once (setting it again throws
     * {@link IllegalStateException}); values are checked when set, and {@link #build()} checks that they fit
     * together. A null argument to any method throws {@link NullPointerException} naming the parameter; a bad
     * value throws {@link IllegalArgumentException} naming it. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #limit} / {@link #limits}</td><td>required: at least one</td></tr>
     *   <tr><td>{@link #algorithm}</td><td>{@link Algorithm#TOKEN_BUCKET}</td></tr>
     *   <tr><td>{@link #store}</td><td>a new {@link InMemoryStore}</td></tr>
     *   <tr><td>{@link #timeSource}</td><td>{@link TimeSource#system()}</td></tr>
     *   <tr><td>{@link #keyPrefix}</td><td>{@code "rl"}</td></tr>
     *   <tr><td>{@link #name}</td><td>the key prefix</td></tr>
     *   <tr><td>{@link #failurePolicy}</td><td>{@link FailurePolicy#allow()}</td></tr>
     *   <tr><td>{@link #listener}</td><td>none</td></tr>
     *   <tr><td>{@link #timeout}</td><td>1 second</td></tr>
     *   <tr><td>{@link #localDenyCache}</td><td>off</td></tr>
     * </table>
     */
    final class Builder {
        final List<Limit> limits = new ArrayList<>();
        Algorithm algorithm;
        RateLimitStore store;
        TimeSource timeSource;
        String keyPrefix;
        String name;
        FailurePolicy failurePolicy;
        RateLimitListener listener;
        Duration timeout;
        int denyCacheKeys;

        Builder() {
        }

        /**
         * Adds a limit; call again to add more, all of which must allow a request.
         *
         * @throws IllegalArgumentException if the limit equals one already added
         */
        public Builder limit(Limit limit) {
            Objects.requireNonNull(limit, "limit");
            if (limits.contains(limit)) {
                throw new IllegalArgumentException("limit " + limit + " was already added");
            }
            limits.add(limit);
            return this;
        }

        /** Adds each limit as {@link #limit(Limit)} does. */
        public Builder limits(Limit... limits) {
            Objects.requireNonNull(limits, "limits");
            for (Limit limit : limits) {
                limit(limit);
            }
            return this;
        }

        /** Adds each limit as {@link #limit(Limit)} does. */
        public Builder limits(List<Limit> limits) {
            Objects.requireNonNull(limits, "limits");
            for (Limit limit : limits) {
                limit(limit);
            }
            return this;
        }

        /** The algorithm; {@link Algorithm#TOKEN_BUCKET} by default. */
        public Builder algorithm(Algorithm algorithm) {
            checkUnset("algorithm", this.algorithm);
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /** Where state lives; a new {@link InMemoryStore} by default. */
        public Builder store(RateLimitStore store) {
            checkUnset("store", this.store);
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The clock; {@link TimeSource#system()} by default. Tests pass a fake clock. */
        public Builder timeSource(TimeSource timeSource) {
            checkUnset("timeSource", this.timeSource);
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * The namespace of this limiter's keys in the store; {@code "rl"} by default. Limiters sharing a store
         * need different prefixes unless they are meant to share state (as the instances of one app do).
         *
         * @throws IllegalArgumentException if empty or longer than 128 characters
         */
        public Builder keyPrefix(String keyPrefix) {
            checkUnset("keyPrefix", this.keyPrefix);
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty() || keyPrefix.length() > 128) {
                throw new IllegalArgumentException(
                        "keyPrefix must be 1 to 128 characters but was \"" + keyPrefix + "\"");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** A name for logs and metrics; the key prefix by default. */
        public Builder name(String name) {
            checkUnset("name", this.name);
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
            return this;
        }

        /** What to decide when the store fails; {@link FailurePolicy#allow()} by default. */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            checkUnset("failurePolicy", this.failurePolicy);
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /** Told of every decision and store failure; none by default, which costs nothing. */
        public Builder listener(RateLimitListener listener) {
            checkUnset("listener", this.listener);
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * How long {@link RateLimiter#tryAcquireAsync} waits for the store before the failure policy decides;
         * 1 second by default. Synchronous calls are bounded by the store's own command timeout.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder timeout(Duration timeout) {
            checkUnset("timeout", this.timeout);
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive but was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Remembers in this JVM, for up to {@code maximumKeys} keys, that a key was denied until its
         * {@code retryAfter}, and denies it again without a store round trip until then. Meant for remote stores
         * under a flood from one client: the store sees one call per key per retry period instead of one per
         * request. Off by default.
         *
         * <p>It never allows anything and never denies a request the store would allow from this instance's
         * point of view: it answers only requests for as many permits as the denied one, before the denied one's
         * retry time, with the same wait the store would give: an allowed request for the key,
         * {@link RateLimiter#refund}, {@link RateLimiter#penalize} and {@link RateLimiter#reset} on this limiter
         * clear the key's entry (also when they race with a denial on another thread), so a cached wait is never
         * shorter than the store's. What happens through another
         * instance (a refund, reset or spend on the same key) is not seen until the cached retry time, when the store
         * is asked again. Denials answered from the cache report {@code remaining} as of the store's denial.
         *
         * @throws IllegalArgumentException if maximumKeys is not positive
         * @throws IllegalStateException if already set
         */
        public Builder localDenyCache(int maximumKeys) {
            if (denyCacheKeys != 0) {
                throw new IllegalStateException("localDenyCache was already set to " + denyCacheKeys + " keys");
            }
            if (maximumKeys < 1) {
                throw new IllegalArgumentException("localDenyCache maximumKeys must be positive but was " + maximumKeys);
            }
            this.denyCacheKeys = maximumKeys;
            return this;
        }

        /**
         * The limiter.
         *
         * @throws IllegalStateException if no limit was added
         * @throws IllegalArgumentException if a limit has a burst and the algorithm is not
         *     {@link Algorithm#TOKEN_BUCKET}, or if the algorithm or the store cannot evaluate a limit exactly
         */
        public RateLimiter build() {
            if (limits.isEmpty()) {
                throw new IllegalStateException("no limit was added: call limit(...) or limits(...)");
            }
            return new DefaultRateLimiter(this);
        }

        private static void checkUnset(String option, Object current) {
            if (current != null) {
                throw new IllegalStateException(option + " was already set to " + current);
            }
        }
    }
}
