package dev.ratelimit.spring;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code ratelimit.enabled} is not {@code false} and either {@code ratelimit.policies} lists at least
 * one policy (as a YAML list or a comma-separated value) or {@code ratelimit.config} names a source other than the
 * environment (the policies then come from that source): without policies there is nothing to limit, and the
 * starter stays out of the way.
 */
final class OnRateLimitPolicies extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        if (!binder.bind("ratelimit.enabled", Boolean.class).orElse(true)) {
            return ConditionOutcome.noMatch("ratelimit.enabled is false");
        }
        String config = binder.bind(SharedConfigSettings.CONFIG, String.class).orElse("environment");
        if (!config.trim().equalsIgnoreCase("environment")) {
            // a bad value matches too, so that the engine's bean stops the context with a message naming it
            return ConditionOutcome.match("ratelimit.config=" + config);
        }
        List<String> policies = binder.bind("ratelimit.policies", Bindable.listOf(String.class)).orElse(List.of());
        return policies.isEmpty() ? ConditionOutcome.noMatch("ratelimit.policies is not set")
                : ConditionOutcome.match("ratelimit.policies=" + String.join(",", policies));
    }
}
