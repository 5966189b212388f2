package dev.ratelimit.spring;

import java.util.List;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * WebFlux: finds the handler method of a request (through the application's request mappings) and, when it is
 * {@link RateLimited}, applies its policy on the engine's asynchronous path, after the path-based
 * {@link RateLimitWebFilter}. Requests to other handlers pass untouched.
 *
 * <p>Thread-safe.
 */
final class RateLimitedWebFilter implements WebFilter, Ordered {

    private final List<RequestMappingHandlerMapping> mappings;
    private final MethodLimits limits;
    private final RateLimitRejectionCustomizer customizer;
    private final int order;

    RateLimitedWebFilter(List<RequestMappingHandlerMapping> mappings, MethodLimits limits,
            RateLimitRejectionCustomizer customizer, int order) {
        this.mappings = mappings;
        this.limits = limits;
        this.customizer = customizer;
        this.order = order;
    }

    @Override
    public int getOrder() {
        return order;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return Flux.fromIterable(mappings).concatMap(mapping -> mapping.getHandler(exchange)).next()
                .map(handler -> Optional.ofNullable(handler instanceof HandlerMethod method
                        ? limits.engine(method.getMethod()) : null))
                .defaultIfEmpty(Optional.empty())
                .flatMap(engine -> engine.isPresent()
                        ? RateLimitWebFilter.apply(engine.get(), customizer, exchange, chain, true)
                        : chain.filter(exchange));
    }

}
