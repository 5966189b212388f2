package dev.ratelimit.http;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The plans an engine knows, which key belongs to which plan, and what happens to a key that belongs to none.
 *
 * <pre>{@code
 * Plans plans = Plans.builder()
 *         .plan(Plan.of("basic", Limit.parse("100/s"), Limit.parse("10000/1d")))
 *         .plan(Plan.of("premium", Limit.parse("500/s"), Limit.parse("100000/1d")))
 *         .assign("key-123", "basic")
 *         .assign("key-456", "premium")
 *         .defaultPlan("basic")          // unknown keys get basic; without this they get 401
 *         .build();
 * }</pre>
 *
 * <p>Instead of fixed assignments, a {@linkplain Builder#resolver resolver} function may look keys up, for
 * example in a cache of an accounts table. Replace the plans of a running engine with
 * {@link RateLimitEngine#updatePlans(Plans)}.
 *
 * <p>Immutable and thread-safe (provided a resolver function is).
 */
public final class Plans {

    private static final Plans NONE = new Plans(Map.of(), key -> null, null);

    private final Map<String, Plan> plans;
    private final Function<String, String> resolver;
    private final Plan defaultPlan;

    private Plans(Map<String, Plan> plans, Function<String, String> resolver, Plan defaultPlan) {
        this.plans = plans;
        this.resolver = resolver;
        this.defaultPlan = defaultPlan;
    }

    /** {@return the empty plans, for an engine whose policies all have their own limits} */
    public static Plans none() {
        return NONE;
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the plans by name, in the order they were added} */
    public Map<String, Plan> plans() {
        return plans;
    }

    /** {@return the plan for keys that belong to none, or {@code null} if such keys are rejected} */
    public Plan defaultPlan() {
        return defaultPlan;
    }

    /**
     * The plan {@code key} belongs to: its assigned plan, else the default plan, else {@code null} (rejected). A
     * resolver that throws or names an unknown plan counts as no assignment.
     *
     * @param key the key, for example an API key
     * @return the plan, or null if the key is rejected
     */
    public Plan planFor(String key) {
        Objects.requireNonNull(key, "key");
        String name;
        try {
            name = resolver.apply(key);
        } catch (RuntimeException e) {
            name = null;
        }
        Plan plan = name == null ? null : plans.get(name);
        return plan != null ? plan : defaultPlan;
    }

    @Override
    public String toString() {
        return "Plans{" + plans.keySet() + ", default=" + (defaultPlan == null ? "reject" : defaultPlan.name()) + '}';
    }

    /**
     * Builds {@link Plans}. Plans and assignments may be added repeatedly; a plan of a name already added, and a key
     * already assigned, are replaced; for the other options the last call wins. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, Plan> plans = new LinkedHashMap<>();
        private final Map<String, String> assignments = new HashMap<>();
        private Function<String, String> resolver;
        private String defaultPlan;

        private Builder() {
        }

        /**
         * Adds a plan, replacing one of the same name added earlier.
         *
         * @param plan the plan
         * @return this builder
         */
        public Builder plan(Plan plan) {
            Objects.requireNonNull(plan, "plan");
            plans.put(plan.name(), plan);
            return this;
        }

        /**
         * Adds each plan as {@link #plan(Plan)} does.
         *
         * @param plans the plans
         * @return this builder
         */
        public Builder plans(Plan... plans) {
            return plans(List.of(Objects.requireNonNull(plans, "plans")));
        }

        /**
         * Adds each plan as {@link #plan(Plan)} does.
         *
         * @param plans the plans
         * @return this builder
         */
        public Builder plans(Collection<Plan> plans) {
            Objects.requireNonNull(plans, "plans");
            for (Plan plan : plans) {
                plan(plan);
            }
            return this;
        }

        /**
         * Puts {@code key} (for example an API key) on plan {@code planName}, replacing an earlier assignment of the
         * key and a {@link #resolver} set earlier.
         *
         * @param key the key
         * @param planName the plan's name
         * @return this builder
         * @throws IllegalArgumentException if the key is empty
         */
        public Builder assign(String key, String planName) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(planName, "planName");
            if (key.isEmpty()) {
                throw new IllegalArgumentException("key must not be empty");
            }
            resolver = null;
            assignments.put(key, planName);
            return this;
        }

        /**
         * Looks up a key's plan name with {@code resolver}, which returns {@code null} for a key on no plan; replaces
         * the keys {@linkplain #assign assigned} earlier. It is called on every limited request, so it must be fast
         * and thread-safe.
         *
         * @param resolver from key to plan name
         * @return this builder
         */
        public Builder resolver(Function<String, String> resolver) {
            Objects.requireNonNull(resolver, "resolver");
            assignments.clear();
            this.resolver = resolver;
            return this;
        }

        /**
         * The plan for keys on no plan; without it, such keys are rejected with 401 (an unknown API key is no
         * credential).
         *
         * @param planName the plan's name
         * @return this builder
         * @throws IllegalArgumentException if the name is not a valid plan name
         */
        public Builder defaultPlan(String planName) {
            Objects.requireNonNull(planName, "planName");
            this.defaultPlan = Names.check("defaultPlan", planName);
            return this;
        }

        /**
         * The plans.
         *
         * @return the plans
         * @throws IllegalStateException if an assignment or the default plan names a plan that was not added
         */
        public Plans build() {
            for (Map.Entry<String, String> a : assignments.entrySet()) {
                if (!plans.containsKey(a.getValue())) {
                    throw new IllegalStateException("key " + a.getKey() + " is assigned to plan " + a.getValue()
                            + ", which is not defined; defined plans: " + plans.keySet());
                }
            }
            if (defaultPlan != null && !plans.containsKey(defaultPlan)) {
                throw new IllegalStateException("defaultPlan " + defaultPlan + " is not defined; defined plans: "
                        + plans.keySet());
            }
            Map<String, String> fixed = Map.copyOf(assignments);
            Function<String, String> lookup = resolver != null ? resolver : fixed::get;
            return new Plans(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(plans)), lookup,
                    defaultPlan == null ? null : plans.get(defaultPlan));
        }
    }

    /** For {@link Plans#toString()} users that want the names only. */
    List<String> names() {
        return List.copyOf(plans.keySet());
    }
}
