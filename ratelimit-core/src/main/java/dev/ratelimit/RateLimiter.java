package dev.ratelimit;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import java.time.Duration;
import dev.ratelimit.internal.Check;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>Two limiters with the same {@linkplain Builder#namespace namespace} and algorithm on one store share each
 * key's consumption, even when their limits differ: each reads the key's one state with its own limits. So a
 * limiter rebuilt with a changed limit (a plan raised, a global limit tightened) does not hand every key a fresh
 * allowance, and a lowered limit bites at once on a key already over it; {@link Algorithm} states the carry-over
 * rule of each algorithm and how limits added or removed are matched. (On an {@link InMemoryStore} the first
 * limiter of a namespace and algorithm hands its keys over to the later ones; see its class comment.)
 *
 * <p>Implementations are thread-safe: one limiter serves any number of threads, and concurrent requests for one
 * key never spend more than the limits allow.
 */
public interface RateLimiter {

    /**
     * A builder; see {@link Builder} for the options and their defaults.
     *
     * @return a new builder with every option at its default and no limit yet
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Same as {@code tryAcquire(key, 1)}.
     *
     * @param key whose allowance to spend: any non-empty string, such as a user id or an IP address
     * @return the decision; {@link Decision#allowed()} tells whether the permit was spent
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty
     */
    Decision tryAcquire(String key);

    /**
     * Spends {@code permits} for {@code key} if every limit allows, without waiting.
     *
     * @param key whose allowance to spend: any non-empty string
     * @param permits how many permits to spend, at least 1; a request for more than a limit's capacity is denied
     *     with {@link Decision.Reason#EXCEEDS_CAPACITY}
     * @return the decision: allowed (the permits were spent on every limit) or denied (nothing was spent), with
     *     the remaining permits and the wait
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty, or permits is not positive
     */
    Decision tryAcquire(String key, long permits);

    /**
     * Same as {@code tryAcquireAsync(key, 1)}.
     *
     * @param key whose allowance to spend: any non-empty string
     * @return a stage that completes with the decision; never exceptionally for a store failure
     * @throws NullPointerException at the call, if key is null
     * @throws IllegalArgumentException at the call, if key is empty
     */
    CompletionStage<Decision> tryAcquireAsync(String key);

    /**
     * The asynchronous {@link #tryAcquire(String, long)}: completes with the decision, or with the failure
     * policy's decision if the store fails or does not answer within the {@linkplain Builder#timeout timeout}.
     * The stage never completes exceptionally for a store failure.
     *
     * @param key whose allowance to spend: any non-empty string
     * @param permits how many permits to spend, at least 1
     * @return a stage that completes with the decision, possibly on the store client's thread
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
     * @param key whose allowance to spend: any non-empty string
     * @param permits how many permits to spend, at least 1
     * @param maxWait the longest this call may wait, zero or positive; zero behaves as {@link #tryAcquire}
     * @return the allowed decision once the permits were spent, or the denied decision that ended the wait
     * @throws NullPointerException if key or maxWait is null
     * @throws IllegalArgumentException if key is empty, permits is not positive, or maxWait is negative
     * @throws InterruptedException if interrupted while waiting; nothing is spent then
     */
    Decision acquire(String key, long permits, Duration maxWait) throws InterruptedException;

    /**
     * The key's current state without spending anything: {@code remaining} and {@code resetAfter} as they are
     * now. Store failures propagate as {@link dev.ratelimit.spi.StoreException}.
     *
     * @param key whose state to read: any non-empty string
     * @return the decision a request for zero permits would get now (allowed, nothing spent)
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
     * @param key whose permits to give back: any non-empty string
     * @param permits how many permits to give back, at least 1
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
     * @param key whose allowance to spend: any non-empty string
     * @param permits how many permits to spend, at least 1
     * @return the key's state afterwards, as {@link #peek} reports it
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty, or permits is not positive
     */
    Decision penalize(String key, long permits);

    /**
     * Forgets the key's state: its next request sees the full allowance. Store failures propagate.
     *
     * @param key whose state to forget: any non-empty string
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if key is empty
     */
    void reset(String key);

    /**
     * The limiter's name, as listeners and logs see it.
     *
     * @return the {@linkplain Builder#name name} given to the builder, or the namespace if none was given
     */
    String name();

    /**
     * The limits, all of which must allow a request.
     *
     * @return the limits in the order given to the builder; an immutable list, never empty
     */
    List<Limit> limits();

    /**
     * The algorithm the limits are counted with.
     *
     * @return the algorithm; {@link Algorithm#TOKEN_BUCKET} unless the builder set another
     */
    Algorithm algorithm();

    /**
     * Builds a {@link RateLimiter}. Values are checked when set, and {@link #build()} checks that they fit
     * together. Setting an option again replaces the earlier value: the last call wins (as in
     * {@code java.net.http.HttpClient.Builder}); only {@link #limit} and {@link #limits} add to what is there. A
     * null argument to any method throws {@link NullPointerException} naming the parameter; a bad value throws
     * {@link IllegalArgumentException} naming it.
     *
     * <p>Not thread-safe: configure it on one thread. {@link #build()} copies what it needs, so a builder can
     * build several limiters, each of which is thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #limit} / {@link #limits}</td><td>required: at least one</td></tr>
     *   <tr><td>{@link #algorithm}</td><td>{@link Algorithm#TOKEN_BUCKET}</td></tr>
     *   <tr><td>{@link #store}</td><td>a new {@link InMemoryStore}</td></tr>
     *   <tr><td>{@link #timeSource}</td><td>{@link TimeSource#system()}</td></tr>
     *   <tr><td>{@link #namespace}</td><td>{@code "rl"}</td></tr>
     *   <tr><td>{@link #name}</td><td>the namespace</td></tr>
     *   <tr><td>{@link #failurePolicy}</td><td>{@link FailurePolicy#allow()}</td></tr>
     *   <tr><td>{@link #listener}</td><td>none</td></tr>
     *   <tr><td>{@link #timeout}</td><td>1 second</td></tr>
     *   <tr><td>{@link #localDenyCache}</td><td>0 (off)</td></tr>
     * </table>
     */
    final class Builder {
        /** The default {@linkplain #namespace namespace}. */
        public static final String DEFAULT_NAMESPACE = "rl";

        /** The longest {@linkplain #namespace namespace}, in characters. */
        public static final int MAX_NAMESPACE_LENGTH = 128;

        final List<Limit> limits = new ArrayList<>();
        Algorithm algorithm = Algorithm.TOKEN_BUCKET;
        RateLimitStore store;
        TimeSource timeSource = TimeSource.system();
        String namespace = DEFAULT_NAMESPACE;
        String name;
        FailurePolicy failurePolicy = FailurePolicy.allow();
        RateLimitListener listener;
        Duration timeout = Duration.ofSeconds(1);
        int denyCacheKeys;

        Builder() {
        }

        /**
         * Adds a limit; call again to add more, all of which must allow a request.
         *
         * @param limit a limit to enforce on every key
         * @return this builder
         * @throws NullPointerException if limit is null
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

        /**
         * Adds each limit as {@link #limit(Limit)} does.
         *
         * @param limits limits to enforce on every key, all of which must allow a request
         * @return this builder
         * @throws NullPointerException if limits or one of them is null
         * @throws IllegalArgumentException if a limit equals one already added
         */
        public Builder limits(Limit... limits) {
            Objects.requireNonNull(limits, "limits");
            return limits(Arrays.asList(limits));
        }

        /**
         * Adds each limit as {@link #limit(Limit)} does.
         *
         * @param limits limits to enforce on every key, all of which must allow a request
         * @return this builder
         * @throws NullPointerException if limits or one of them is null
         * @throws IllegalArgumentException if a limit equals one already added
         */
        public Builder limits(List<Limit> limits) {
            Objects.requireNonNull(limits, "limits");
            for (int i = 0; i < limits.size(); i++) {
                Objects.requireNonNull(limits.get(i), "limits[" + i + "]");
            }
            for (Limit limit : limits) {
                limit(limit);
            }
            return this;
        }

        /**
         * The algorithm the limits are counted with; {@link Algorithm#TOKEN_BUCKET} by default.
         *
         * @param algorithm the algorithm
         * @return this builder
         * @throws NullPointerException if algorithm is null
         */
        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /**
         * Where state lives; a new {@link InMemoryStore} by default (bounded, in this JVM). The limiter does not
         * close a store passed here.
         *
         * @param store the store, such as an {@link InMemoryStore} shared by several limiters or a remote store
         * @return this builder
         * @throws NullPointerException if store is null
         */
        public Builder store(RateLimitStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * The clock the limiter reads for every decision and waits on in {@link RateLimiter#acquire};
         * {@link TimeSource#system()} by default. Tests pass a fake clock.
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
         * The namespace of this limiter's keys in the store; {@value #DEFAULT_NAMESPACE} by default. Keys of
         * different namespaces never share state. In a remote store shared by several processes the namespace is
         * what makes limiters share state: limiters of one application on several instances use the same
         * namespace, unrelated limiters need different ones. Limiters with one namespace and algorithm share each
         * key's consumption even when their limits differ (see {@link RateLimiter}), on an {@link InMemoryStore}
         * too. The store decides how the namespace appears in what it writes; a remote
         * store's own {@code keyPrefix} is a separate, literal prefix of every physical key.
         *
         * @param namespace 1 to {@value #MAX_NAMESPACE_LENGTH} characters
         * @return this builder
         * @throws NullPointerException if namespace is null
         * @throws IllegalArgumentException if namespace is empty or longer than {@value #MAX_NAMESPACE_LENGTH}
         *     characters
         */
        public Builder namespace(String namespace) {
            this.namespace = Check.text("namespace", namespace, MAX_NAMESPACE_LENGTH);
            return this;
        }

        /**
         * A name for logs and metrics; the namespace by default.
         *
         * @param name a non-empty name, passed to every {@link RateLimitListener} call
         * @return this builder
         * @throws NullPointerException if name is null
         * @throws IllegalArgumentException if name is empty
         */
        public Builder name(String name) {
            this.name = Check.notEmpty("name", name);
            return this;
        }

        /**
         * What to decide when the store fails or times out; {@link FailurePolicy#allow()} by default.
         *
         * @param failurePolicy the policy
         * @return this builder
         * @throws NullPointerException if failurePolicy is null
         */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /**
         * Told of every decision and store failure; none by default, which costs nothing. Combine several with
         * {@link RateLimitListener#composite}.
         *
         * @param listener the listener
         * @return this builder
         * @throws NullPointerException if listener is null
         */
        public Builder listener(RateLimitListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * How long {@link RateLimiter#tryAcquireAsync} waits for the store before the failure policy decides;
         * 1 second by default. Synchronous calls are bounded by the store's own timeout.
         *
         * @param timeout a positive duration; durations beyond about 292 years count as 292 years
         * @return this builder
         * @throws NullPointerException if timeout is null
         * @throws IllegalArgumentException if timeout is zero or negative
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Check.positive("timeout", timeout);
            return this;
        }

        /**
         * Remembers in this JVM, for up to {@code maximumKeys} keys, that a key was denied until its
         * {@code retryAfter}, and denies it again without a store round trip until then. Meant for remote stores
         * under a flood from one client: the store sees one call per key per retry period instead of one per
         * request. Off (0) by default.
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
         * @param maximumKeys how many denied keys to remember at most; 0 turns the cache off
         * @return this builder
         * @throws IllegalArgumentException if maximumKeys is negative
         */
        public Builder localDenyCache(int maximumKeys) {
            if (maximumKeys < 0) {
                throw new IllegalArgumentException(
                        "localDenyCache must be 0 (off) or a positive number of keys but was " + maximumKeys);
            }
            this.denyCacheKeys = maximumKeys;
            return this;
        }

        /**
         * The limiter, from the options set so far.
         *
         * @return a new, thread-safe limiter
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
    }
}
