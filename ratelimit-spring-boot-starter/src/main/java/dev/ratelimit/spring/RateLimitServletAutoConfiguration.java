package dev.ratelimit.spring;

import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.servlet.RateLimitFilter;
import jakarta.servlet.Filter;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Servlet applications (Spring MVC on Tomcat, Jetty...): ratelimit-servlet's {@link RateLimitFilter} in front of the
 * engine, registered for {@code ratelimit.filter.url-patterns} (default {@code /*}) at {@code ratelimit.filter.order}
 * (default -99, right after Spring Security's filter chain). A {@link RateLimitRejectionCustomizer} bean changes
 * rejections. Backs off when the application registers its own {@link RateLimitFilter}. {@link RateLimited} handler
 * methods get their own policy through a {@code HandlerInterceptor}; every annotation is checked at start-up.
 *
 * <p>Thread-safe, as Spring configuration classes are.
 */
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({RateLimitFilter.class, Filter.class, FilterRegistrationBean.class})
@ConditionalOnBean(RateLimitEngine.class)
public class RateLimitServletAutoConfiguration {

    /** Created by Spring. */
    public RateLimitServletAutoConfiguration() {
    }

    /**
     * The filter's registration.
     *
     * @param engine the engine
     * @param customizer changes rejections, if defined
     * @param environment for {@code ratelimit.filter.*}
     * @return the registration
     */
    @Bean
    @ConditionalOnMissingBean(value = RateLimitFilter.class, parameterizedContainer = FilterRegistrationBean.class)
    public FilterRegistrationBean<RateLimitFilter> rateLimitFilter(RateLimitEngine engine,
            ObjectProvider<RateLimitRejectionCustomizer> customizer, Environment environment) {
        RateLimitRejectionCustomizer c = customizer.getIfUnique();
        FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(
                new RateLimitFilter(engine, c == null ? null : c::customize));
        Binder binder = Binder.get(environment);
        registration.setUrlPatterns(binder.bind("ratelimit.filter.url-patterns", Bindable.listOf(String.class))
                .orElse(List.of("/*")));
        registration.setOrder(binder.bind("ratelimit.filter.order", Integer.class).orElse(DEFAULT_ORDER));
        registration.setName("rateLimitFilter");
        return registration;
    }

    /** {@link RateLimited} on controller methods: an interceptor, with every annotation checked at start-up. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({WebMvcConfigurer.class, RequestMappingHandlerMapping.class})
    static class AnnotationConfiguration {

        @Bean(destroyMethod = "close")
        MethodLimits rateLimitMethodLimits(RateLimitEngine engine, ObjectProvider<TimeSource> time,
                ObjectProvider<RateLimitListener> listeners) {
            return new MethodLimits(engine, time.getIfUnique(), RateLimitAutoConfiguration.listener(listeners));
        }

        @Bean
        WebMvcConfigurer rateLimitedInterceptorConfigurer(MethodLimits limits,
                ObjectProvider<RateLimitRejectionCustomizer> customizer) {
            RateLimitedInterceptor interceptor = new RateLimitedInterceptor(limits, customizer.getIfUnique());
            return new WebMvcConfigurer() {
                @Override
                public void addInterceptors(InterceptorRegistry registry) {
                    registry.addInterceptor(interceptor);
                }
            };
        }

        @Bean
        SmartInitializingSingleton rateLimitedMethodsCheck(MethodLimits limits,
                ObjectProvider<RequestMappingHandlerMapping> mappings) {
            return () -> limits.prepare(mappings.orderedStream()
                    .flatMap(mapping -> mapping.getHandlerMethods().values().stream())
                    .map(HandlerMethod::getMethod).toList());
        }
    }

    /** Right after Spring Security's filter chain (-100), so that the {@code principal} key sees the user. */
    static final int DEFAULT_ORDER = -99;
}
