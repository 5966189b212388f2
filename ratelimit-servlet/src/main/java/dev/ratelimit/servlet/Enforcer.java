package dev.ratelimit.servlet;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.RateLimiter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compiled configuration: the policies with their limiters, the excluded paths and the plans. The filter holds
 * one in a volatile field and swaps in a new one on a change, so a request always sees one whole configuration.
 *
 * <h2>All or nothing</h2>
 * The policies that apply to a request are acquired in order with {@code tryAcquire(key, cost)}. When an enforced
 * policy denies, the permits the earlier enforced policies spent are given back with {@code refund(key, cost)} and
 * the later policies are not asked. The refund restores what was spent unless another request on the same keys
 * spent in between (a refund is clamped at full allowance, and for window algorithms it can only restore the
 * current window), so under contention the earlier policies can end up charged for a request that was denied;
 * never the other way round. Shadow policies never deny and are never refunded.
 *
 * <p>Immutable and thread-safe.
 */
final class Enforcer {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);
    /** The key of the shared bucket for requests without a key under {@link Policy.MissingKey#ANONYMOUS}. */
    static final String ANONYMOUS_KEY = "(anonymous)";

    /** What the configuration says, before limiters are attached. */
    record Settings(List<Policy> policies, Plans plans, List<String> excludes, boolean legacyHeaders,
            boolean shadowHeaders, FailurePolicy failurePolicy, boolean localFallback, int localDenyCache) {

        Settings withPolicies(List<Policy> newPolicies) {
            return new Settings(List.copyOf(newPolicies), plans, excludes, legacyHeaders, shadowHeaders,
                    failurePolicy, localFallback, localDenyCache);
        }

        Settings withPlans(Plans newPlans) {
            return new Settings(policies, newPlans, excludes, legacyHeaders, shadowHeaders, failurePolicy,
                    localFallback, localDenyCache);
        }
    }

    /** A policy with its limiter, or its limiters by plan name. */
    private record Compiled(Policy policy, RateLimiter limiter, Map<String, RateLimiter> byPlan) {
    }

    /** One policy's part in a decision: for the response headers, and to settle it by the response status. */
    record Item(Policy policy, String key, RateLimiter limiter, Decision decision) {

        Item with(Decision after) {
            return new Item(policy, key, limiter, after);
        }
    }

    /** What to do with a request. */
    enum Verdict { PASS, ALLOW, DENY, MISSING_KEY, UNKNOWN_PLAN }

    /**
     * The outcome for one request: the verdict, the items for the headers (in policy order), and for
     * {@link Verdict#DENY} the denying item, for {@link Verdict#MISSING_KEY} / {@link Verdict#UNKNOWN_PLAN} the
     * policy at fault.
     */
    record Outcome(Verdict verdict, List<Item> items, Item denied, Policy rejectedBy) {
        static final Outcome PASS = new Outcome(Verdict.PASS, List.of(), null, null);
    }

    private final Settings settings;
    private final List<Compiled> policies;
    private final List<PathPattern> excludes;
    private final ThrottledWarning refundFailures = new ThrottledWarning(LOG);
    private final boolean settlesOnStatus;
    /** Each limiter's local fallback under {@code failurePolicy=local}, by identity; empty otherwise. */
    private final Map<RateLimiter, RateLimiter> fallbacks;

    private Enforcer(Settings settings, List<Compiled> policies, List<PathPattern> excludes,
            Map<RateLimiter, RateLimiter> fallbacks) {
        this.settings = settings;
        this.policies = policies;
        this.excludes = excludes;
        this.fallbacks = fallbacks;
        this.settlesOnStatus = settings.policies().stream().anyMatch(Policy::settlesOnStatus);
    }

    /**
     * Checks the settings and attaches limiters from the pool, reusing the pool's limiters where their definition
     * is unchanged.
     *
     * @throws IllegalArgumentException naming what is wrong: duplicate policy names, a plan policy without plans,
     *     a cost that a plan's limit cannot hold
     */
    static Enforcer compile(Settings settings, LimiterPool pool) {
        Set<String> names = new HashSet<>();
        List<Compiled> compiled = new ArrayList<>();
        List<RateLimiter> inUse = new ArrayList<>();
        for (Policy policy : settings.policies()) {
            if (!names.add(policy.name())) {
                throw new IllegalArgumentException("two policies are named " + policy.name());
            }
            String prefix = "http:" + policy.name();
            if (!policy.limitsFromPlans()) {
                RateLimiter limiter = pool.limiter(prefix, policy.algorithm(), policy.limits(),
                        settings.failurePolicy(), settings.localDenyCache(), settings.localFallback());
                inUse.add(limiter);
                compiled.add(new Compiled(policy, limiter, Map.of()));
                continue;
            }
            if (settings.plans().plans().isEmpty()) {
                throw new IllegalArgumentException("policy " + policy.name()
                        + " takes its limits from plans, but no plan is defined");
            }
            Map<String, RateLimiter> byPlan = new LinkedHashMap<>();
            for (Plan plan : settings.plans().plans().values()) {
                policy.checkLimits(plan.limits(), "plan " + plan.name());
                RateLimiter limiter = pool.limiter(prefix + ":" + plan.name(), policy.algorithm(), plan.limits(),
                        settings.failurePolicy(), settings.localDenyCache(), settings.localFallback());
                inUse.add(limiter);
                byPlan.put(plan.name(), limiter);
            }
            compiled.add(new Compiled(policy, null, Map.copyOf(byPlan)));
        }
        List<PathPattern> excludes = new ArrayList<>();
        for (String exclude : settings.excludes()) {
            excludes.add(PathPattern.parse(exclude));
        }
        pool.retain(inUse);
        Map<RateLimiter, RateLimiter> fallbacks = new IdentityHashMap<>();
        for (RateLimiter limiter : inUse) {
            RateLimiter fallback = pool.fallbackOf(limiter);
            if (fallback != null) {
                fallbacks.put(limiter, fallback);
            }
        }
        return new Enforcer(settings, List.copyOf(compiled), List.copyOf(excludes),
                Collections.unmodifiableMap(fallbacks));
    }

    Settings settings() {
        return settings;
    }

    boolean legacyHeaders() {
        return settings.legacyHeaders();
    }

    /** Whether shadow policies appear in the response headers. */
    boolean shadowHeaders() {
        return settings.shadowHeaders();
    }

    /** Decides a request, spending permits as the class comment describes. */
    Outcome evaluate(HttpServletRequest request) {
        String path = RequestPaths.path(request);
        for (PathPattern exclude : excludes) {
            if (exclude.matchesExactly(path)) {
                return Outcome.PASS;
            }
        }
        String method = request.getMethod();
        // First resolve every applicable policy's key and limiter, so a missing key spends nothing anywhere.
        List<Compiled> applicable = null;
        List<String> keys = null;
        List<RateLimiter> limiters = null;
        for (Compiled c : policies) {
            if (!c.policy().appliesTo(method, path)) {
                continue;
            }
            Policy policy = c.policy();
            String key = policy.key().resolve(request);
            boolean anonymous = key == null || key.isEmpty();
            if (anonymous) {
                if (policy.missingKey() == Policy.MissingKey.REJECT) {
                    return new Outcome(Verdict.MISSING_KEY, List.of(), null, policy);
                }
                key = ANONYMOUS_KEY;
            }
            RateLimiter limiter = c.limiter();
            if (limiter == null) {
                Plan plan = anonymous ? settings.plans().defaultPlan() : settings.plans().planFor(key);
                if (plan == null) {
                    return new Outcome(anonymous ? Verdict.MISSING_KEY : Verdict.UNKNOWN_PLAN, List.of(), null,
                            policy);
                }
                limiter = c.byPlan().get(plan.name());
            }
            if (applicable == null) {
                applicable = new ArrayList<>(4);
                keys = new ArrayList<>(4);
                limiters = new ArrayList<>(4);
            }
            applicable.add(c);
            keys.add(key);
            limiters.add(limiter);
        }
        if (applicable == null) {
            return Outcome.PASS;
        }
        List<Item> items = new ArrayList<>(applicable.size());
        for (int i = 0; i < applicable.size(); i++) {
            Policy policy = applicable.get(i).policy();
            Decision decision = limiters.get(i).tryAcquire(keys.get(i), policy.cost());
            Item item = new Item(policy, keys.get(i), limiters.get(i), decision);
            items.add(item);
            if (decision.allowed()) {
                continue;
            }
            if (policy.shadow()) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug("Shadow policy {} would deny key {}: {}", policy.name(), keys.get(i), decision);
                }
                continue;
            }
            refund(items, i);
            return new Outcome(Verdict.DENY, items, item, null);
        }
        return new Outcome(Verdict.ALLOW, items, null, null);
    }

    /** Gives back what the enforced policies before {@code denied} spent, replacing their items with the state after. */
    private void refund(List<Item> items, int denied) {
        for (int j = 0; j < denied; j++) {
            Item earlier = items.get(j);
            Policy policy = earlier.policy();
            if (policy.shadow() || earlier.decision().reason() != Decision.Reason.WITHIN_LIMIT) {
                continue; // shadow: not refunded by design; store unavailable: nothing was spent
            }
            try {
                Decision after = adjust(earlier, -policy.cost());
                items.set(j, earlier.with(after));
            } catch (RuntimeException e) {
                refundFailures.warn("Rate limit policy " + policy.name() + ": could not give back " + policy.cost()
                        + " permits after policy " + items.get(denied).policy().name() + " denied", e);
            }
        }
    }

    /**
     * After the application answered an allowed request with {@code status}: gives back what policies with that
     * refund status spent, and spends the penalty of policies with that penalty status. Store failures are logged
     * (throttled) and otherwise ignored: the response is already on its way.
     */
    void settle(List<Item> items, int status) {
        for (Item item : items) {
            Policy policy = item.policy();
            if (!policy.settlesOnStatus() || item.decision().reason() == Decision.Reason.STORE_UNAVAILABLE) {
                continue;
            }
            try {
                if (policy.refundsOn(status) && item.decision().allowed()) {
                    adjust(item, -policy.cost());
                }
                if (policy.penalizesOn(status)) {
                    adjust(item, policy.penaltyPermits());
                }
            } catch (RuntimeException e) {
                refundFailures.warn("Rate limit policy " + policy.name() + ": could not settle a request answered "
                        + status, e);
            }
        }
    }

    /**
     * Refunds ({@code delta < 0}) or penalises the item's key. If the store fails and the limiter has a local
     * fallback, the fallback is adjusted instead: while the store is down, that is where the permits were spent.
     */
    private Decision adjust(Item item, long delta) {
        try {
            return delta < 0 ? item.limiter().refund(item.key(), -delta) : item.limiter().penalize(item.key(), delta);
        } catch (RuntimeException e) {
            RateLimiter fallback = fallbacks.get(item.limiter());
            if (fallback == null) {
                throw e;
            }
            return delta < 0 ? fallback.refund(item.key(), -delta) : fallback.penalize(item.key(), delta);
        }
    }

    /** Whether any policy of this configuration refunds or penalises by response status. */
    boolean settlesOnStatus() {
        return settlesOnStatus;
    }

    /**
     * The limiter {@code key} spends on under the policy named {@code policyName}: the policy's own, or that of the
     * key's plan.
     *
     * @throws IllegalArgumentException if there is no such policy, or the key is on no plan and there is no default
     */
    RateLimiter limiterFor(String policyName, String key) {
        for (Compiled c : policies) {
            if (!c.policy().name().equals(policyName)) {
                continue;
            }
            if (c.limiter() != null) {
                return c.limiter();
            }
            Plan plan = settings.plans().planFor(key);
            if (plan == null) {
                throw new IllegalArgumentException("key " + key + " is on no plan and policy " + policyName
                        + " has no default plan");
            }
            return c.byPlan().get(plan.name());
        }
        throw new IllegalArgumentException("no policy is named " + policyName + "; the policies are "
                + settings.policies().stream().map(Policy::name).toList());
    }

    /** For tests and diagnostics: the limiter of a policy (and plan, or null). */
    RateLimiter limiter(String policyName, String planName) {
        for (Compiled c : policies) {
            if (c.policy().name().equals(policyName)) {
                return planName == null ? c.limiter() : c.byPlan().get(planName);
            }
        }
        return null;
    }

    /** Every limiter, by policy name then plan name ("" for a policy's own). */
    Map<String, Map<String, RateLimiter>> limiters() {
        Map<String, Map<String, RateLimiter>> out = new HashMap<>();
        for (Compiled c : policies) {
            out.put(c.policy().name(), c.limiter() != null ? Map.of("", c.limiter()) : c.byPlan());
        }
        return out;
    }
}
