package dev.ratelimit.spring;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The actuator endpoint {@code ratelimit}: the policies and plans in force, one key's state under a policy, and
 * resetting one key. Over HTTP (once exposed with {@code management.endpoints.web.exposure.include=ratelimit}):
 * <ul>
 *   <li>{@code GET /actuator/ratelimit}: every policy (key, limits or plans, algorithm, paths, methods, cost, shadow)
 *       and every plan with its limits, and under {@code config} where the configuration comes from and how that
 *       source is doing: {@code source} ({@code Spring environment}, or the shared source such as
 *       {@code redis key ratelimit:config}), {@code version} in force ({@code -} for the environment),
 *       {@code appliedAt} (when this instance put that version in force, on the engine's clock; null when unknown,
 *       as for an engine bean of the application's own), {@code rejected} (invalid texts refused
 *       since start-up), {@code readFailures} and {@code lastError} (the latest refusal or failed read, naming the
 *       source, the key and the value; null once a valid change is in force after it);</li>
 *   <li>{@code GET /actuator/ratelimit/{policy}?key=K}: the state of key {@code K} under that policy, read without
 *       spending ({@code remaining}, {@code resetAfterMillis}, ...); a policy with plans uses the key's plan;</li>
 *   <li>{@code POST /actuator/ratelimit/{policy}} with {@code {"key": "K"}}: resets {@code K} to its full allowance
 *       (a write operation: restricted like every actuator write, for example by
 *       {@code management.endpoint.ratelimit.access=read-only}).</li>
 * </ul>
 * The key is the one the policy's key resolver produces: an API key, a client address such as {@code 203.0.113.9} or
 * {@code 2001:db8:1:2::/64}, a constant. An unknown policy, or a key on no plan under a policy with plans, answers
 * 404.
 *
 * <p>Thread-safe.
 */
@Endpoint(id = "ratelimit")
public class RateLimitEndpoint {

    private final RateLimitEngine engine;
    private final ConfigReadTimes readTimes;

    /**
     * An endpoint on {@code engine}; {@code config.appliedAt} is then unknown (null).
     *
     * @param engine the engine
     */
    public RateLimitEndpoint(RateLimitEngine engine) {
        this(engine, null);
    }

    RateLimitEndpoint(RateLimitEngine engine, ConfigReadTimes readTimes) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.readTimes = readTimes;
    }

    /**
     * The policies and plans in force.
     *
     * @return {@code policies} (in order) and {@code plans}, by name
     */
    @ReadOperation
    public Map<String, Object> configuration() {
        RateLimitConfig config = engine.config();
        Map<String, Object> policies = new LinkedHashMap<>();
        for (Policy policy : config.policies()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("key", policy.key().toString());
            if (policy.limitsFromPlans()) {
                p.put("plans", true);
            } else {
                p.put("limits", texts(policy.limits()));
            }
            p.put("algorithm", policy.algorithm().name());
            p.put("paths", policy.paths());
            p.put("methods", List.copyOf(policy.methods()));
            p.put("cost", policy.cost());
            p.put("shadow", policy.shadow());
            policies.put(policy.name(), p);
        }
        Map<String, Object> plans = new LinkedHashMap<>();
        config.plans().plans().forEach((name, plan) -> plans.put(name, texts(plan.limits())));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("policies", policies);
        answer.put("plans", plans);
        Plan defaultPlan = config.plans().defaultPlan();
        answer.put("defaultPlan", defaultPlan == null ? null : defaultPlan.name());
        answer.put("excludes", config.excludes());
        answer.put("store", engine.store().toString());
        answer.put("config", configStatus());
        return answer;
    }

    private Map<String, Object> configStatus() {
        ConfigStatus status = engine.configStatus();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("source", status.source().equals("code") ? SpringRateLimitConfig.SOURCE : status.source());
        config.put("version", status.version());
        Instant applied = readTimes == null ? null : readTimes.appliedAt(status.version());
        config.put("appliedAt", applied == null ? null : applied.toString());
        config.put("rejected", status.rejected());
        config.put("readFailures", status.readFailures());
        config.put("lastError", status.lastError());
        return config;
    }

    /**
     * One key's state under one policy, read without spending.
     *
     * @param policy the policy name
     * @param key the key
     * @return the state, or null (404) if there is no such policy or the key is on no plan
     */
    @ReadOperation
    public Map<String, Object> key(@Selector String policy, String key) {
        Target target = target(policy, key);
        if (target == null) {
            return null;
        }
        Decision state = target.limiter().peek(key);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("policy", policy);
        answer.put("plan", target.plan());
        answer.put("key", key);
        answer.put("limit", state.limit().toString());
        answer.put("remaining", state.remaining());
        answer.put("allowed", state.allowed());
        answer.put("resetAfterMillis", state.resetAfter().toMillis());
        answer.put("retryAfterMillis", state.retryAfter().toMillis());
        answer.put("reason", state.reason().name());
        return answer;
    }

    /**
     * Gives one key its full allowance again under one policy.
     *
     * @param policy the policy name
     * @param key the key
     * @return what was reset, or null (404) if there is no such policy or the key is on no plan
     */
    @WriteOperation
    public Map<String, Object> reset(@Selector String policy, String key) {
        Target target = target(policy, key);
        if (target == null) {
            return null;
        }
        target.limiter().reset(key);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("policy", policy);
        answer.put("plan", target.plan());
        answer.put("key", key);
        answer.put("reset", true);
        return answer;
    }

    /** A policy's limiter for a key (its plan's, for a policy with plans). */
    private record Target(RateLimiter limiter, String plan) {
    }

    private Target target(String policyName, String key) {
        Policy policy = engine.config().policies().stream().filter(p -> p.name().equals(policyName)).findFirst()
                .orElse(null);
        if (policy == null) {
            return null;
        }
        String plan = null;
        if (policy.limitsFromPlans()) {
            Plans plans = engine.config().plans();
            Plan p = plans.planFor(key);
            if (p == null) {
                return null;
            }
            plan = p.name();
        }
        RateLimiter limiter = engine.limiter(policyName, plan);
        return limiter == null ? null : new Target(limiter, plan);
    }

    private static List<String> texts(List<Limit> limits) {
        return limits.stream().map(Limit::toString).toList();
    }
}
