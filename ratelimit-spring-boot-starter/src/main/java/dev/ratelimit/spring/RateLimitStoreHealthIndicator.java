package dev.ratelimit.spring;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitEngine;
import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The health of the engine's store (contributor {@code rateLimitStore}): one read without spending
 * ({@code peek}) of a probe key under the first policy. {@code DOWN} when the store failed and the failure policy
 * answered instead, with the error; {@code UP} otherwise, with the store's description. Registered for a store bean
 * of the application (Redis, DynamoDB or its own), not for the engine's in-memory store.
 *
 * <p>Thread-safe.
 */
public class RateLimitStoreHealthIndicator extends AbstractHealthIndicator {

    /** The key read by the probe; it is never spent. */
    static final String PROBE_KEY = "ratelimit-health-probe";

    private final RateLimitEngine engine;

    /**
     * An indicator for {@code engine}'s store.
     *
     * @param engine the engine
     */
    public RateLimitStoreHealthIndicator(RateLimitEngine engine) {
        super("Rate limit store health check failed");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("store", engine.store().toString());
        RateLimiter limiter = probeLimiter();
        if (limiter == null) {
            builder.unknown();
            return;
        }
        Decision state = limiter.peek(PROBE_KEY);
        if (state.reason() == Decision.Reason.STORE_UNAVAILABLE) {
            builder.down().withDetail("error", "the store failed; the failure policy answered");
        } else {
            builder.up();
        }
    }

    private RateLimiter probeLimiter() {
        for (Policy policy : engine.config().policies()) {
            if (!policy.limitsFromPlans()) {
                return engine.limiter(policy.name(), null);
            }
            for (Plan plan : engine.config().plans().plans().values()) {
                return engine.limiter(policy.name(), plan.name());
            }
        }
        return null;
    }
}
