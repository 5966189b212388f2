/**
 * Spring Boot auto-configuration for rate limits from {@code application.yml}: the engine of {@code ratelimit-http}
 * configured from {@code ratelimit.*}, in front of Spring MVC (ratelimit-servlet's filter) or WebFlux
 * ({@link dev.ratelimit.spring.RateLimitWebFilter}), with its store taken from the application's Redis or DynamoDB
 * client bean and its metrics published to the application's Micrometer registry.
 *
 * <p>API: {@link dev.ratelimit.spring.RateLimited} (limits on a controller method),
 * {@link dev.ratelimit.spring.RateLimitRejectionCustomizer} (the hook for the 429/401 answer),
 * {@link dev.ratelimit.spring.RateLimitEndpoint} ({@code /actuator/ratelimit}),
 * {@link dev.ratelimit.spring.RateLimitStoreHealthIndicator},
 * {@link dev.ratelimit.spring.RateLimitWebFilter}, {@link dev.ratelimit.spring.RateLimitProperties} (the property
 * names, for IDEs). The auto-configuration classes are public because Spring loads them by name; their beans, not
 * the classes, are the contract. Everything package-private is internal.
 */
package dev.ratelimit.spring;
