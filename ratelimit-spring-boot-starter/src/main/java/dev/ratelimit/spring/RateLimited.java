package dev.ratelimit.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits a controller method (or every handler method of a controller class), on Spring MVC and WebFlux, in addition
 * to the path-based policies of {@code ratelimit.*}: for limits that belong to one endpoint.
 *
 * <p>Either inline, with a key and limits in the syntax of the properties:
 * <pre>{@code
 * @RateLimited(key = "header:X-API-Key", limits = {"10/1m", "100/1d"})
 * @PostMapping("/api/reports")
 * Report create(...) { ... }
 * }</pre>
 * or naming a policy of {@code ratelimit.policy.NAME.*}, whose definition (key, limits or plans, algorithm, cost,
 * missing key, shadow, refunds and penalties) is reused without its {@code paths} and {@code methods}:
 * <pre>{@code
 * @RateLimited(policy = "expensive")
 * }</pre>
 * Each annotated method is its own policy with its own counts, named {@link #name()} (by default
 * {@code ClassName-methodName}): the store keys, the {@code RateLimit} header items, the metrics' limiter
 * ({@code http:NAME}) and the violation log show that name. It takes the global settings of {@code ratelimit.*}
 * (plans, trusted proxies, IP prefixes, failure policy, headers) and the engine's store, clock and listeners. Every
 * annotation is checked when the application starts, by the engine's rules: a bad value stops the context with a
 * message naming the method, the key and the value.
 *
 * <p>A request to an annotated method passes only if the path-based policies and the method's policy allow it. The
 * method's {@code RateLimit-Policy} and {@code RateLimit} items are added to the response's (as further field lines);
 * {@code X-RateLimit-*} keep the path-based policies' values when those are present. A rejection is answered like
 * the filter's (429 or 401, through the {@link RateLimitRejectionCustomizer} if there is one).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RateLimited {

    /**
     * The policy's name; by default {@code ClassName-methodName}, shortened to the 40 characters a name may have.
     *
     * @return the name, 1 to 40 characters of {@code A-Z a-z 0-9 _ -}, or empty for the default
     */
    String name() default "";

    /**
     * A policy of {@code ratelimit.policy.NAME.*} whose definition this method uses; exclusive with {@link #key()}
     * and {@link #limits()}.
     *
     * @return the policy name, or empty for an inline policy
     */
    String policy() default "";

    /**
     * The key spec of an inline policy, as {@code ratelimit.policy.NAME.key}: {@code ip}, {@code header:X-API-Key},
     * {@code principal}, {@code route}, {@code constant[:VALUE]} or {@code composite:PART+PART}.
     *
     * @return the key spec; {@code ip} by default
     */
    String key() default "ip";

    /**
     * The limits of an inline policy, such as {@code {"10/1s", "1000/1d"}}: all must allow.
     *
     * @return the limits; required unless {@link #policy()} is given
     */
    String[] limits() default {};

    /**
     * The algorithm of an inline policy.
     *
     * @return {@code TOKEN_BUCKET} (the default), {@code FIXED_WINDOW}, {@code SLIDING_WINDOW} or {@code SLIDING_LOG}
     */
    String algorithm() default "TOKEN_BUCKET";

    /**
     * The permits one request spends, for an inline policy.
     *
     * @return the cost, at least 1
     */
    long cost() default 1;
}
