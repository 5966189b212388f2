package dev.ratelimit.http;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One rule of the engine: which requests it applies to, whose bucket they count against, how many permits they
 * cost and what the limits are.
 *
 * <pre>{@code
 * Policy perKey = Policy.builder("perKey")
 *         .paths("/api/**")
 *         .methods("GET", "POST")
 *         .key(KeyResolver.header("X-API-Key"))
 *         .limits(Limit.parse("100/s"), Limit.parse("10000/1d"))
 *         .algorithm(Algorithm.TOKEN_BUCKET)
 *         .cost(1)
 *         .onMissingKey(Policy.MissingKey.REJECT)
 *         .build();
 * }</pre>
 *
 * <p>A policy applies to a request whose path matches one of its {@linkplain Builder#paths patterns} and whose
 * method is one of its {@linkplain Builder#methods methods}. Its limits are its own, or, with
 * {@link Builder#limitsFromPlans()}, those of the {@link Plan} the request's key belongs to. In
 * {@linkplain Builder#shadow shadow mode} it decides and reports but never blocks.
 *
 * <p>Immutable and thread-safe.
 */
public final class Policy {

    /** What happens to a request for which the policy's {@link KeyResolver} finds no key. Immutable. */
    public enum MissingKey {
        /** Answer 401 with a problem description; nothing is spent on any policy. The default. */
        REJECT,
        /** Count the request against one bucket shared by every request without a key. */
        ANONYMOUS
    }

    private final String name;
    private final List<PathPattern> paths;
    private final Set<String> methods;
    private final KeyResolver key;
    private final List<Limit> limits;
    private final boolean limitsFromPlans;
    private final Algorithm algorithm;
    private final long cost;
    private final boolean shadow;
    private final MissingKey missingKey;
    private final StatusCodes refundStatuses;
    private final StatusCodes penaltyStatuses;
    private final long penaltyPermits;

    private Policy(Builder b) {
        this.name = b.name;
        this.paths = b.paths.isEmpty() ? List.of(PathPattern.parse("/**")) : List.copyOf(b.paths);
        this.methods = Collections.unmodifiableSet(new LinkedHashSet<>(b.methods));
        this.key = b.key;
        this.limits = List.copyOf(b.limits);
        this.limitsFromPlans = b.limitsFromPlans;
        this.algorithm = b.algorithm != null ? b.algorithm : Algorithm.TOKEN_BUCKET;
        this.cost = b.cost != null ? b.cost : 1;
        this.shadow = b.shadow != null && b.shadow;
        this.missingKey = b.missingKey != null ? b.missingKey : MissingKey.REJECT;
        this.refundStatuses = b.refundStatuses != null ? b.refundStatuses : StatusCodes.NONE;
        this.penaltyStatuses = b.penaltyStatuses != null ? b.penaltyStatuses : StatusCodes.NONE;
        this.penaltyPermits = b.penaltyPermits;
    }

    /**
     * A builder for a policy named {@code name}. The name appears in the {@code RateLimit} headers and the store
     * keys, so policies of one engine need different names.
     *
     * @param name the policy name
     * @return a new builder
     * @throws IllegalArgumentException if the name is not 1 to 40 characters of {@code A-Z a-z 0-9 _ -}
     */
    public static Builder builder(String name) {
        return new Builder(Names.check("policy name", name));
    }

    /** {@return the name} */
    public String name() {
        return name;
    }

    /** {@return the path patterns, as given; {@code /**} if none were given} */
    public List<String> paths() {
        List<String> out = new ArrayList<>(paths.size());
        for (PathPattern pattern : paths) {
            out.add(pattern.toString());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The methods in upper case, as given; empty means every method. A policy that names {@code GET} also applies
     * to {@code HEAD} (RFC 9110: HEAD is GET without the body), whether or not HEAD is listed.
     *
     * @return the methods; empty for every method
     */
    public Set<String> methods() {
        return methods;
    }

    /** {@return the key resolver} */
    public KeyResolver key() {
        return key;
    }

    /** {@return the policy's own limits; empty if they come from plans} */
    public List<Limit> limits() {
        return limits;
    }

    /** {@return whether the limits come from the plan of the request's key} */
    public boolean limitsFromPlans() {
        return limitsFromPlans;
    }

    /** {@return the algorithm} */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** {@return the permits one request spends} */
    public long cost() {
        return cost;
    }

    /** {@return whether the policy only reports and never blocks} */
    public boolean shadow() {
        return shadow;
    }

    /** {@return the rule for requests without a key} */
    public MissingKey missingKey() {
        return missingKey;
    }

    /**
     * {@return the response statuses on which the request's permits are given back, such as {@code 500-599}; "" if
     * none}
     */
    public String refundOnStatus() {
        return refundStatuses.toString();
    }

    /**
     * {@return the response statuses on which {@link #penaltyPermits()} more are spent, such as {@code 401}; "" if
     * none}
     */
    public String penaltyOnStatus() {
        return penaltyStatuses.toString();
    }

    /**
     * {@return the permits spent on top of the cost when the response has a {@link #penaltyOnStatus()} status; 0 if
     * none}
     */
    public long penaltyPermits() {
        return penaltyPermits;
    }

    /** Whether the application's answer can change what this policy's key has spent. */
    boolean settlesOnStatus() {
        return !refundStatuses.isEmpty() || !penaltyStatuses.isEmpty();
    }

    boolean refundsOn(int status) {
        return refundStatuses.contains(status);
    }

    boolean penalizesOn(int status) {
        return penaltyStatuses.contains(status);
    }

    /** Whether the policy applies to a request with this method and path. */
    boolean appliesTo(String method, String path) {
        // RFC 9110 9.3.2: HEAD is GET without the body, so a policy on GET covers HEAD too.
        if (!methods.isEmpty() && !methods.contains(method) && !("HEAD".equals(method) && methods.contains("GET"))) {
            return false;
        }
        for (PathPattern pattern : paths) {
            if (pattern.matches(path)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Policy{" + name + ", paths=" + paths + ", methods=" + (methods.isEmpty() ? "all" : methods)
                + ", key=" + key + ", limits=" + (limitsFromPlans ? "from plans" : limits) + ", algorithm="
                + algorithm + ", cost=" + cost + (shadow ? ", shadow" : "") + ", missingKey=" + missingKey
                + (refundStatuses.isEmpty() ? "" : ", refundOnStatus=" + refundStatuses)
                + (penaltyStatuses.isEmpty() ? "" : ", penalty=" + penaltyPermits + " on " + penaltyStatuses) + '}';
    }

    /**
     * Builds a {@link Policy}. Paths, methods and limits may be added repeatedly; for every other option the last
     * call wins. Values are checked when set. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #key}</td><td>required</td></tr>
     *   <tr><td>{@link #limits} or {@link #limitsFromPlans}</td><td>required: one of them</td></tr>
     *   <tr><td>{@link #paths}</td><td>{@code /**} (every path)</td></tr>
     *   <tr><td>{@link #methods}</td><td>every method</td></tr>
     *   <tr><td>{@link #algorithm}</td><td>{@link Algorithm#TOKEN_BUCKET}</td></tr>
     *   <tr><td>{@link #cost}</td><td>1</td></tr>
     *   <tr><td>{@link #shadow}</td><td>false</td></tr>
     *   <tr><td>{@link #onMissingKey}</td><td>{@link MissingKey#REJECT}</td></tr>
     *   <tr><td>{@link #refundOnStatus}</td><td>none</td></tr>
     *   <tr><td>{@link #penaltyOnStatus}</td><td>none</td></tr>
     * </table>
     */
    public static final class Builder {
        private final String name;
        private final List<PathPattern> paths = new ArrayList<>();
        private final Set<String> methods = new LinkedHashSet<>();
        private final List<Limit> limits = new ArrayList<>();
        private boolean limitsFromPlans;
        private KeyResolver key;
        private Algorithm algorithm;
        private Long cost;
        private Boolean shadow;
        private MissingKey missingKey;
        private StatusCodes refundStatuses;
        private StatusCodes penaltyStatuses;
        private long penaltyPermits;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Adds path patterns the policy applies to: {@code *} matches within one segment, {@code **} any number of
         * segments ({@code /api/**}, {@code /users/*}/orders, {@code /files/*.json}). Paths are matched without
         * the context path.
         *
         * @param patterns the path patterns
         * @return this builder
         * @throws IllegalArgumentException if a pattern does not start with {@code /} or misuses {@code **}
         */
        public Builder paths(String... patterns) {
            return paths(List.of(Objects.requireNonNull(patterns, "patterns")));
        }

        /**
         * Adds path patterns as {@link #paths(String...)} does.
         *
         * @param patterns the path patterns
         * @return this builder
         * @throws IllegalArgumentException if a pattern does not start with {@code /} or misuses {@code **}
         */
        public Builder paths(List<String> patterns) {
            Objects.requireNonNull(patterns, "patterns");
            for (String pattern : patterns) {
                paths.add(PathPattern.parse(pattern));
            }
            return this;
        }

        /**
         * Adds HTTP methods the policy applies to (case-insensitive); without any it applies to every method.
         * {@code GET} covers {@code HEAD} as well, so a HEAD request never slips past a policy on reads.
         *
         * @param methods the methods, such as GET
         * @return this builder
         * @throws IllegalArgumentException if a method is empty or not a token
         */
        public Builder methods(String... methods) {
            return methods(List.of(Objects.requireNonNull(methods, "methods")));
        }

        /**
         * Adds HTTP methods as {@link #methods(String...)} does.
         *
         * @param methods the methods, such as GET
         * @return this builder
         * @throws IllegalArgumentException if a method is empty or not a token
         */
        public Builder methods(List<String> methods) {
            Objects.requireNonNull(methods, "methods");
            for (String method : methods) {
                Objects.requireNonNull(method, "method");
                if (method.isEmpty() || !method.chars().allMatch(c -> c > 32 && c < 127 && c != ',')) {
                    throw new IllegalArgumentException("method must be a token such as GET but was \"" + method + "\"");
                }
                this.methods.add(method.toUpperCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * Whose bucket a request counts against.
         *
         * @param key the key resolver
         * @return this builder
         */
        public Builder key(KeyResolver key) {
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        /**
         * Adds limits, all of which must allow a request; replaces an earlier {@link #limitsFromPlans()}.
         *
         * @param limits the limits
         * @return this builder
         * @throws IllegalArgumentException if a limit is repeated
         */
        public Builder limits(Limit... limits) {
            return limits(List.of(Objects.requireNonNull(limits, "limits")));
        }

        /**
         * Adds limits as {@link #limits(Limit...)} does.
         *
         * @param limits the limits
         * @return this builder
         * @throws IllegalArgumentException if a limit is repeated
         */
        public Builder limits(List<Limit> limits) {
            Objects.requireNonNull(limits, "limits");
            this.limitsFromPlans = false;
            for (Limit limit : limits) {
                Objects.requireNonNull(limit, "limit");
                if (this.limits.contains(limit)) {
                    throw new IllegalArgumentException("limit " + limit + " was already added to policy " + name);
                }
                this.limits.add(limit);
            }
            return this;
        }

        /**
         * Takes the limits from the {@link Plan} of the request's key, as the engine's {@link Plans} say; a key on
         * no plan gets the default plan or is rejected with 401. Replaces limits added earlier.
         *
         * @return this builder
         */
        public Builder limitsFromPlans() {
            this.limits.clear();
            this.limitsFromPlans = true;
            return this;
        }

        /**
         * The algorithm; {@link Algorithm#TOKEN_BUCKET} by default.
         *
         * @param algorithm the algorithm
         * @return this builder
         */
        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /**
         * Permits one request spends; 1 by default.
         *
         * @param cost the permits one request spends
         * @return this builder
         * @throws IllegalArgumentException if not in 1..{@link Limit#MAX_PERMITS}
         */
        public Builder cost(long cost) {
            this.cost = permits("cost", cost);
            return this;
        }

        /**
         * In shadow mode the policy decides, sets headers and tells the listener, but never blocks.
         *
         * @param shadow true to report only
         * @return this builder
         */
        public Builder shadow(boolean shadow) {
            this.shadow = shadow;
            return this;
        }

        /**
         * What happens when the key resolver finds no key; {@link MissingKey#REJECT} by default.
         *
         * @param missingKey the rule for requests without a key
         * @return this builder
         */
        public Builder onMissingKey(MissingKey missingKey) {
            this.missingKey = Objects.requireNonNull(missingKey, "missingKey");
            return this;
        }

        /**
         * Gives back the permits a request spent on this policy when the application answers with one of these
         * statuses, for example {@code "500-599"}: a request the upstream failed to serve does not use up the
         * client's quota. Applies when the application has answered: on return, or for an asynchronous request
         * when it completes (a 500 after an error or timeout).
         *
         * @param statuses the statuses, such as 500-599 or 401,403
         * @return this builder
         * @throws IllegalArgumentException if the text is not a list of codes and ranges from 100 to 599
         */
        public Builder refundOnStatus(String statuses) {
            this.refundStatuses = StatusCodes.parse(Objects.requireNonNull(statuses, "statuses"));
            return this;
        }

        /**
         * Spends {@code permits} more on the request's key when the application answers with one of these
         * statuses, for example {@code penaltyOnStatus("401", 5)} on a login path: each failed login costs six
         * permits instead of one. The penalty is spent without checking the limits, and at most down to an empty
         * allowance (a key never owes more than one full limit). Applies when the application has answered, as for
         * {@link #refundOnStatus}.
         *
         * @param statuses the statuses, such as 500-599 or 401,403
         * @param permits the permits spent on top of the cost
         * @return this builder
         * @throws IllegalArgumentException if the statuses are not a list of codes and ranges from 100 to 599, or
         *     permits is not in 1..{@link Limit#MAX_PERMITS}
         */
        public Builder penaltyOnStatus(String statuses, long permits) {
            StatusCodes codes = StatusCodes.parse(Objects.requireNonNull(statuses, "statuses"));
            this.penaltyPermits = permits("penalty permits", permits);
            this.penaltyStatuses = codes;
            return this;
        }

        /** {@code value} if it is a number of permits, 1 to {@link Limit#MAX_PERMITS}; else an error naming it. */
        private static long permits(String what, long value) {
            if (value < 1 || value > Limit.MAX_PERMITS) {
                throw new IllegalArgumentException(what + " must be between 1 and " + Limit.MAX_PERMITS + " but was "
                        + value);
            }
            return value;
        }

        /**
         * The policy.
         *
         * @return the policy
         * @throws IllegalStateException if no key resolver was set, or neither limits nor limitsFromPlans
         * @throws IllegalArgumentException if the cost exceeds a limit's capacity, or a limit has a burst and the
         *     algorithm is not {@link Algorithm#TOKEN_BUCKET}
         */
        public Policy build() {
            if (key == null) {
                throw new IllegalStateException("policy " + name + " has no key resolver: call key(...)");
            }
            if (limits.isEmpty() && !limitsFromPlans) {
                throw new IllegalStateException("policy " + name + " has no limits: call limits(...) or"
                        + " limitsFromPlans()");
            }
            Policy policy = new Policy(this);
            policy.checkLimits(policy.limits, "policy " + name);
            return policy;
        }
    }

    /**
     * Checks that this policy's cost and algorithm fit {@code limits} (its own, or a plan's); see {@link #problem}.
     *
     * @throws IllegalArgumentException naming the policy, the limit and {@code where} it comes from
     */
    void checkLimits(List<Limit> limits, String where) {
        LimitProblem problem = problem(name, algorithm, cost, limits, where);
        if (problem != null) {
            throw new IllegalArgumentException(problem.message());
        }
    }

    /** Which setting a {@link LimitProblem} is about. */
    enum Fault {
        /** A limit has a burst, which only a token bucket uses: the limits, or the algorithm. */
        BURST,
        /** The cost is more than a limit can ever hold. */
        COST,
        /** A limit is too large for the algorithm. */
        LIMITS
    }

    /** What is wrong with a policy's cost or algorithm for some limits, and which setting is at fault. */
    record LimitProblem(Fault fault, String message) {
    }

    /**
     * The one check of a cost and an algorithm against limits, for policies built in code and read from a file: a
     * burst only with a token bucket, a cost every limit can hold, and no limit too large for the algorithm.
     *
     * @param where where the limits come from, such as {@code policy p} or {@code ratelimit.plan.basic.limits}
     * @return the first problem, or null if there is none
     */
    static LimitProblem problem(String policy, Algorithm algorithm, long cost, List<Limit> limits, String where) {
        for (Limit limit : limits) {
            if (limit.hasBurst() && algorithm != Algorithm.TOKEN_BUCKET) {
                return new LimitProblem(Fault.BURST, "the burst of " + limit + " (" + where + ") is used only by"
                        + " TOKEN_BUCKET, but policy " + policy + " uses " + algorithm);
            }
            if (cost > limit.capacity()) {
                return new LimitProblem(Fault.COST, "policy " + policy + " costs " + cost + " permits per request,"
                        + " more than the limit " + limit + " (" + where + ") can ever hold");
            }
        }
        try {
            StateTransition.of(algorithm).validate(limits);
        } catch (IllegalArgumentException e) {
            return new LimitProblem(Fault.LIMITS, "policy " + policy + " uses " + algorithm + " (" + where + "): "
                    + e.getMessage());
        }
        return null;
    }
}
