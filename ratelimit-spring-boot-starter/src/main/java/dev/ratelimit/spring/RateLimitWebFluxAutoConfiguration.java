package dev.ratelimit.spring;

import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.http.RateLimitEngine;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.WebFilter;

/**
 * Reactive applications (WebFlux on Netty...): a {@link RateLimitWebFilter} in front of the engine, at
 * {@code ratelimit.filter.order} (default -99, right after Spring Security's {@code WebFilterChainProxy}). A
 * {@link RateLimitRejectionCustomizer} bean changes rejections. Backs off when the application defines its own
 * {@link RateLimitWebFilter}. {@link RateLimited} handler methods get their own policy through a second filter
 * right after it; every annotation is checked at start-up.
 *
 * <p>Thread-safe, as Spring configuration classes are.
 */
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(WebFilter.class)
@ConditionalOnBean(RateLimitEngine.class)
public class RateLimitWebFluxAutoConfiguration {

    /** Created by Spring. */
    public RateLimitWebFluxAutoConfiguration() {
    }

    /**
     * The filter.
     *
     * @param engine the engine
     * @param customizer changes rejections, if defined
     * @param environment for {@code ratelimit.filter.order}
     * @return the filter
     */
    @Bean
    @ConditionalOnMissingBean
    public RateLimitWebFilter rateLimitWebFilter(RateLimitEngine engine,
            ObjectProvider<RateLimitRejectionCustomizer> customizer, Environment environment) {
        return new RateLimitWebFilter(engine, customizer.getIfUnique(), order(environment));
    }

    private static int order(Environment environment) {
        return Binder.get(environment).bind("ratelimit.filter.order", Integer.class)
                .orElse(RateLimitServletAutoConfiguration.DEFAULT_ORDER);
    }

    /** {@link RateLimited} on handler methods: a second filter, with every annotation checked at start-up. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RequestMappingHandlerMapping.class)
    static class AnnotationConfiguration {

        @Bean(destroyMethod = "close")
        MethodLimits rateLimitMethodLimits(RateLimitEngine engine, ObjectProvider<TimeSource> time,
                ObjectProvider<RateLimitListener> listeners) {
            return new MethodLimits(engine, time.getIfUnique(), RateLimitAutoConfiguration.listener(listeners));
        }

        @Bean
        RateLimitedWebFilter rateLimitedWebFilter(MethodLimits limits,
                ObjectProvider<RequestMappingHandlerMapping> mappings,
                ObjectProvider<RateLimitRejectionCustomizer> customizer, Environment environment) {
            return new RateLimitedWebFilter(mappings.orderedStream().toList(), limits, customizer.getIfUnique(),
                    order(environment) + 1);
        }

        @Bean
        SmartInitializingSingleton rateLimitedMethodsCheck(MethodLimits limits,
                ObjectProvider<RequestMappingHandlerMapping> mappings) {
            return () -> limits.prepare(mappings.orderedStream()
                    .flatMap(mapping -> mapping.getHandlerMethods().values().stream())
                    .map(HandlerMethod::getMethod).toList());
        }
    }
}
