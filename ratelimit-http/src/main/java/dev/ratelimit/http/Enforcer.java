package dev.ratelimit.http;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.internal.ThrottledLog;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compiled configuration: the policies with their limiters, the excluded paths and the plans. The engine holds
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

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitEngine.class);
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


    private final Settings settings;
    private final List<Compiled> policies;
    private final List<PathPattern> excludes;
    private final ThrottledLog refundFailures = new ThrottledLog(LOG, 10_000_000_000L);
    private final boolean settlesOnStatus;
    /** Each limiter's local fallback under {@code failurePolicy=local}, by identity; empty otherwise. */
    private final Map<RateLimiter, RateLimiter> fallbacks;
    /** Where asynchronous settlements and refunds run. */
    private final Executor executor;

    private Enforcer(Settings settings, List<Compiled> policies, List<PathPattern> excludes,
            Map<RateLimiter, RateLimiter> fallbacks, Executor executor) {
        this.executor = executor;
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
    static Enforcer compile(Settings settings, LimiterPool pool, Executor executor) {
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
                Collections.unmodifiableMap(fallbacks), executor);
    }

    Executor executor() {
        return executor;
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
    Outcome evaluate(HttpRequestView request) {
        Outcome resolved = resolve(request);
        if (resolved.verdict() != Verdict.ALLOW) {
            return resolved;
        }
        List<Item> items = resolved.items();
        for (int i = 0; i < items.size(); i++) {
            Item planned = items.get(i);
            Policy policy = planned.policy();
            Decision decision = planned.limiter().tryAcquire(planned.key(), policy.cost());
            Item item = planned.with(decision);
            items.set(i, item);
            if (decision.allowed() || shadowDenied(item)) {
                continue;
            }
            refund(items, i);
            return outcome(Verdict.DENY, items.subList(0, i + 1), item, null);
        }
        return outcome(Verdict.ALLOW, items, null, null);
    }

    /**
     * {@link #evaluate} on the limiters' asynchronous path: the policies are still asked in order, each after the
     * previous one answered, and a denial's refunds run on {@code executor}.
     */
    CompletionStage<Evaluation> evaluateAsync(HttpRequestView request, Executor executor) {
        Outcome resolved = resolve(request);
        if (resolved.verdict() != Verdict.ALLOW) {
            return CompletableFuture.completedFuture(resolved);
        }
        return acquireFrom(resolved.items(), 0, executor);
    }

    private CompletionStage<Evaluation> acquireFrom(List<Item> items, int i, Executor executor) {
        if (i == items.size()) {
            return CompletableFuture.completedFuture(outcome(Verdict.ALLOW, items, null, null));
        }
        Item planned = items.get(i);
        return planned.limiter().tryAcquireAsync(planned.key(), planned.policy().cost()).thenCompose(decision -> {
            Item item = planned.with(decision);
            items.set(i, item);
            if (decision.allowed() || shadowDenied(item)) {
                return acquireFrom(items, i + 1, executor);
            }
            if (i == 0) {
                return CompletableFuture.completedFuture(outcome(Verdict.DENY, items.subList(0, 1), item, null));
            }
            try {
                return CompletableFuture.supplyAsync(() -> {
                    refund(items, i);
                    return outcome(Verdict.DENY, items.subList(0, i + 1), item, null);
                }, executor);
            } catch (RejectedExecutionException e) {
                refundFailures.warn("Rate limit engine: the executor refused the refund after policy "
                        + item.policy().name() + " denied; the earlier policies stay charged", e);
                return CompletableFuture.completedFuture(outcome(Verdict.DENY, items.subList(0, i + 1), item, null));
            }
        });
    }

    private boolean shadowDenied(Item item) {
        if (!item.policy().shadow()) {
            return false;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Shadow policy {} would deny key {}: {}", item.policy().name(), LogText.escape(item.key()),
                    item.decision());
        }
        return true;
    }

    private Outcome outcome(Verdict verdict, List<Item> items, Item denied, Policy rejectedBy) {
        return new Outcome(this, verdict, items, denied, rejectedBy);
    }

    /**
     * The key {@code policy} counts {@code request} against: the resolver's key, the shared anonymous key for a
     * request without one under {@link Policy.MissingKey#ANONYMOUS}, or null when the request must be rejected for
     * having none. The one place the missing-key rule lives.
     */
    static String keyFor(Policy policy, HttpRequestView request) {
        String key = policy.key().resolve(request);
        return key == null || key.isEmpty() ? keyOfNone(policy) : key;
    }

    /** The key of a request that has none: the shared anonymous bucket, or null to reject it. */
    private static String keyOfNone(Policy policy) {
        return policy.missingKey() == Policy.MissingKey.REJECT ? null : ANONYMOUS_KEY;
    }

    /**
     * Finds the applicable policies with their keys and limiters, spending nothing: an ALLOW outcome whose items
     * have no decision yet, or PASS, MISSING_KEY or UNKNOWN_PLAN.
     */
    private Outcome resolve(HttpRequestView request) {
        String path = request.path();
        for (PathPattern exclude : excludes) {
            if (exclude.matchesExactly(path)) {
                return outcome(Verdict.PASS, List.of(), null, null);
            }
        }
        String method = request.method();
        // First resolve every applicable policy's key and limiter, so a missing key spends nothing anywhere.
        List<Item> items = null;
        for (Compiled c : policies) {
            Policy policy = c.policy();
            if (!policy.appliesTo(method, path)) {
                continue;
            }
            String resolved = policy.key().resolve(request);
            boolean anonymous = resolved == null || resolved.isEmpty();
            String key = anonymous ? keyOfNone(policy) : resolved;
            if (key == null) {
                return outcome(Verdict.MISSING_KEY, List.of(), null, policy);
            }
            RateLimiter limiter = c.limiter();
            if (limiter == null) {
                Plan plan = anonymous ? settings.plans().defaultPlan() : settings.plans().planFor(key);
                if (plan == null) {
                    return outcome(anonymous ? Verdict.MISSING_KEY : Verdict.UNKNOWN_PLAN, List.of(), null, policy);
                }
                limiter = c.byPlan().get(plan.name());
            }
            if (items == null) {
                items = new ArrayList<>(4);
            }
            items.add(new Item(policy, key, limiter, null));
        }
        return items == null ? outcome(Verdict.PASS, List.of(), null, null)
                : outcome(Verdict.ALLOW, items, null, null);
    }

    /** Gives back what the enforced policies before {@code denied} spent; their items get the state after. */
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

    /** Logs (throttled) a settlement the executor refused: nothing is given back or spent for it. */
    void settlementRefused(int status, RejectedExecutionException e) {
        refundFailures.warn("Rate limit engine: the executor refused the settlement of a request answered " + status
                + "; nothing is given back or spent for it", e);
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
            Plan plan = ANONYMOUS_KEY.equals(key) ? settings.plans().defaultPlan() : settings.plans().planFor(key);
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
