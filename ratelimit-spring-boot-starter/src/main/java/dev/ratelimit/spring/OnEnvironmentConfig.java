package dev.ratelimit.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code ratelimit.config} is {@code environment} (the default): the rate-limit configuration comes from
 * the {@code ratelimit.*} keys of Spring's environment, not from a shared source.
 */
final class OnEnvironmentConfig extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        SharedConfigSettings.Kind kind = SharedConfigSettings.kindOf(context.getEnvironment());
        return kind == SharedConfigSettings.Kind.ENVIRONMENT
                ? ConditionOutcome.match("ratelimit.config is environment")
                : ConditionOutcome.noMatch("ratelimit.config is not environment");
    }

    /** Matches when {@code ratelimit.config} is {@code redis}. */
    static final class InRedis extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return SharedConfigSettings.kindOf(context.getEnvironment()) == SharedConfigSettings.Kind.REDIS
                    ? ConditionOutcome.match("ratelimit.config is redis")
                    : ConditionOutcome.noMatch("ratelimit.config is not redis");
        }
    }

    /** Matches when {@code ratelimit.config} is {@code dynamodb} or {@code dynamodb:TABLE}. */
    static final class InDynamoDb extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return SharedConfigSettings.kindOf(context.getEnvironment()) == SharedConfigSettings.Kind.DYNAMODB
                    ? ConditionOutcome.match("ratelimit.config is dynamodb")
                    : ConditionOutcome.noMatch("ratelimit.config is not dynamodb");
        }
    }
}
