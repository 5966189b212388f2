package dev.ratelimit.spring;

import dev.ratelimit.http.HttpRequestView;
import dev.ratelimit.http.ResponseValues;

/**
 * Changes the answer to a rejected request (429 over a limit, 401 for a missing key or a key on no plan) before it is
 * sent, for applications that must match an existing error format: another status, body or content type, extra
 * headers. Define one as a bean; the starter applies it on Spring MVC and WebFlux alike.
 *
 * <p>The answer passed in is the engine's: {@code application/problem+json} with {@code Retry-After} and the IETF
 * {@code RateLimit-Policy} / {@code RateLimit} headers (and {@code X-RateLimit-*} unless switched off). Keep those
 * headers unless you mean to drop them:
 *
 * <pre>{@code
 * @Bean
 * RateLimitRejectionCustomizer legacyErrors() {
 *     return (request, answer) -> answer.status() != 429 ? answer : new ResponseValues(429,
 *             Stream.concat(answer.headers().stream(), Stream.of(new HttpHeader("X-Error-Code", "RATE_LIMITED")))
 *                     .toList(),
 *             "application/json", "{\"error\":\"rate_limited\"}");
 * }
 * }</pre>
 *
 * <p>Implementations must be thread-safe: one instance answers every request. On WebFlux it runs on the event loop
 * and must not block.
 */
@FunctionalInterface
public interface RateLimitRejectionCustomizer {

    /**
     * The answer to send instead of the engine's.
     *
     * @param request the rejected request
     * @param answer the engine's answer: status, headers, content type and body
     * @return the answer to send; never null
     */
    ResponseValues customize(HttpRequestView request, ResponseValues answer);
}
