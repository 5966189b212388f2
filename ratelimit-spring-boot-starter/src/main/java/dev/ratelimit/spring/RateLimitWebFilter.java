package dev.ratelimit.spring;

import dev.ratelimit.http.Evaluation;
import dev.ratelimit.http.HttpHeader;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.http.ResponseValues;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The engine in front of a WebFlux application: every request is evaluated on the engine's asynchronous path
 * ({@link RateLimitEngine#evaluateAsync}), so no store call blocks the event loop; when the store answers on a
 * thread of its own, the request continues on Reactor's parallel scheduler, never on the store's thread. A request that proceeds gets the
 * rate-limit headers; a rejected one gets the engine's answer (after the {@link RateLimitRejectionCustomizer}, if
 * any). When a policy settles by status (refunds, penalties), the final status is reported with
 * {@link Evaluation#completeAsync} once the application answered: the response's status, the status of a
 * {@link ResponseStatusException}, or 500 for any other error. The response does not wait for the settlement,
 * which runs on the engine's executor.
 *
 * <p>Thread-safe.
 */
public final class RateLimitWebFilter implements WebFilter, Ordered {

    private final RateLimitEngine engine;
    private final RateLimitRejectionCustomizer customizer;
    private final int order;

    /**
     * A filter in front of {@code engine}.
     *
     * @param engine the engine
     * @param customizer changes rejections, or null to send the engine's
     * @param order the filter's order ({@code ratelimit.filter.order})
     */
    public RateLimitWebFilter(RateLimitEngine engine, RateLimitRejectionCustomizer customizer, int order) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.customizer = customizer;
        this.order = order;
    }

    @Override
    public int getOrder() {
        return order;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return apply(engine, customizer, exchange, chain, false);
    }

    /**
     * Evaluates the request on {@code engine} and either rejects it or passes it on with the headers, settling by
     * status afterwards. With {@code additional}, the headers are added to those of an earlier evaluation.
     */
    static Mono<Void> apply(RateLimitEngine engine, RateLimitRejectionCustomizer customizer,
            ServerWebExchange exchange, WebFilterChain chain, boolean additional) {
        return exchange.getPrincipal().map(Principal::getName).defaultIfEmpty("")
                .flatMap(name -> {
                    WebFluxRequestView view = new WebFluxRequestView(exchange.getRequest(),
                            name.isEmpty() ? null : name);
                    return evaluate(engine, view)
                            .flatMap(evaluation -> evaluation.proceed()
                                    ? proceed(exchange, chain, evaluation, additional)
                                    : reject(exchange.getResponse(), customizer == null ? evaluation.rejection()
                                            : customizer.customize(view, evaluation.rejection())));
                });
    }

    /**
     * The engine's evaluation. When the store answers later, on its own thread (a Redis client's, the JDK's timeout
     * thread after a failure), the rest of the request moves to Reactor's parallel scheduler: the application never
     * runs on a store's thread. An answer that is already there (the in-memory store) stays on the event loop.
     */
    private static Mono<Evaluation> evaluate(RateLimitEngine engine, WebFluxRequestView view) {
        return Mono.defer(() -> {
            CompletableFuture<Evaluation> answer = engine.evaluateAsync(view).toCompletableFuture();
            Mono<Evaluation> evaluation = Mono.fromFuture(answer, true);
            return answer.isDone() ? evaluation : evaluation.publishOn(Schedulers.parallel());
        });
    }

    private static Mono<Void> proceed(ServerWebExchange exchange, WebFilterChain chain, Evaluation evaluation,
            boolean additional) {
        HttpHeaders headers = exchange.getResponse().getHeaders();
        for (HttpHeader header : evaluation.responseHeaders()) {
            if (!additional) {
                headers.set(header.name(), header.value());
            } else if (AdditionalHeaders.isList(header.name())) {
                headers.add(header.name(), header.value());
            } else if (headers.getFirst(header.name()) == null) {
                headers.set(header.name(), header.value());
            }
        }
        if (!evaluation.settlesOnStatus()) {
            return chain.filter(exchange);
        }
        // Settlement is bookkeeping on the engine's executor: the response does not wait for it.
        return chain.filter(exchange)
                .doOnSuccess(done -> evaluation.completeAsync(status(exchange.getResponse())))
                .doOnError(error -> evaluation.completeAsync(error instanceof ResponseStatusException e
                        ? e.getStatusCode().value() : 500));
    }

    private static int status(ServerHttpResponse response) {
        HttpStatusCode status = response.getStatusCode();
        return status == null ? 200 : status.value();
    }

    private static Mono<Void> reject(ServerHttpResponse response, ResponseValues answer) {
        response.setStatusCode(HttpStatusCode.valueOf(answer.status()));
        HttpHeaders headers = response.getHeaders();
        for (HttpHeader header : answer.headers()) {
            headers.add(header.name(), header.value());
        }
        byte[] body = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.contentType() != null) {
            headers.set(HttpHeaders.CONTENT_TYPE, answer.contentType());
        }
        headers.setContentLength(body.length);
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }
}
