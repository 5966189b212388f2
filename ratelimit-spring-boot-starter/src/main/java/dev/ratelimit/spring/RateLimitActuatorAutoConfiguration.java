package dev.ratelimit.spring;

import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.spi.RateLimitStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator: the {@link RateLimitEndpoint} ({@code /actuator/ratelimit}, when available: enabled and exposed as
 * usual) and, for a store bean of the application (Redis, DynamoDB or its own), the
 * {@link RateLimitStoreHealthIndicator} ({@code rateLimitStore}).
 *
 * <p>Thread-safe, as Spring configuration classes are.
 */
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnClass(value = Endpoint.class,
        name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
@ConditionalOnBean(RateLimitEngine.class)
public class RateLimitActuatorAutoConfiguration {

    /** When the engine's configuration was put in force; null when created without Spring's injection. */
    private final ObjectProvider<ConfigReadTimes> readTimes;

    /** Created by Spring. */
    public RateLimitActuatorAutoConfiguration() {
        this(null);
    }

    @Autowired
    RateLimitActuatorAutoConfiguration(ObjectProvider<ConfigReadTimes> readTimes) {
        this.readTimes = readTimes;
    }

    /**
     * The endpoint.
     *
     * @param engine the engine
     * @return the endpoint
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    public RateLimitEndpoint rateLimitEndpoint(RateLimitEngine engine) {
        return new RateLimitEndpoint(engine, readTimes == null ? null : readTimes.getIfUnique());
    }

    /** The store's health, when the store is a bean (a remote store). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnBean(RateLimitStore.class)
    static class StoreHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "rateLimitStoreHealthIndicator")
        RateLimitStoreHealthIndicator rateLimitStoreHealthIndicator(RateLimitEngine engine) {
            return new RateLimitStoreHealthIndicator(engine);
        }
    }
}
