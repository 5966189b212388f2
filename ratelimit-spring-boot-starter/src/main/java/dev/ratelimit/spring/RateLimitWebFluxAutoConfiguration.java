package dev.ratelimit.spring;

import dev.ratelimit.http.RateLimitEngine;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.server.WebFilter;

/**
 * Reactive applications (WebFlux on Netty...): a {@link RateLimitWebFilter} in front of the engine, at
 * {@code ratelimit.filter.order} (default -99, right after Spring Security's {@code WebFilterChainProxy}). A
 * {@link RateLimitRejectionCustomizer} bean changes rejections. Backs off when the application defines its own
 * {@link RateLimitWebFilter}.
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
        return new RateLimitWebFilter(engine, customizer.getIfUnique(), Binder.get(environment)
                .bind("ratelimit.filter.order", Integer.class).orElse(RateLimitServletAutoConfiguration.DEFAULT_ORDER));
    }
}
