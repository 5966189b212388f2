package dev.ratelimit.http;

import java.util.List;

/**
 * A read-only view of one HTTP request: all the {@link RateLimitEngine} reads from it. Each front door implements it
 * over its own request type (a servlet request, a Spring {@code ServerHttpRequest}, an API Gateway event); the
 * engine never sees the framework.
 *
 * <p>Every value may be chosen by the client except {@link #remoteAddress()}, and the engine treats them as hostile:
 * an implementation passes them on as received and never throws for any request a client can send.
 *
 * <p>Thread safety: the engine calls a view only on the thread that passed it to {@link RateLimitEngine#evaluate}
 * (or, for {@link RateLimitEngine#evaluateAsync}, before that method returns), so an implementation need not be
 * thread-safe.
 */
public interface HttpRequestView {

    /**
     * The request method as sent, such as {@code GET}; the engine compares it with policy methods, which are upper
     * case.
     *
     * @return the method, never null
     */
    String method();

    /**
     * The path the application routes on, within the application: without the context path (or API Gateway stage)
     * and without the query, starting with {@code /}. A front door whose framework decodes and normalises the path
     * (the servlet container's servlet path plus path info) passes that form, so that {@code /api/../health}
     * cannot dodge a pattern; the engine itself decodes nothing.
     *
     * @return the path, never null; {@code /} for the root
     */
    String path();

    /**
     * Every value of the header {@code name}, in the order received; the name is matched case-insensitively.
     *
     * @param name a header name such as {@code X-Forwarded-For}
     * @return the values, an empty list if the request has no such header; never null
     */
    List<String> headerValues(String name);

    /**
     * The first value of the header {@code name}, or {@code null} if the request has none. The default reads
     * {@link #headerValues(String)}.
     *
     * @param name a header name such as {@code X-API-Key}
     * @return the first value, or null
     */
    default String header(String name) {
        List<String> values = headerValues(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /**
     * The IP literal of the peer the front door trusts to have sent the request: the TCP peer for a servlet
     * container, {@code requestContext.identity.sourceIp} behind API Gateway. Forwarding headers are not applied
     * here; {@link TrustedProxies} does that.
     *
     * @return the address, or null if the front door knows none
     */
    String remoteAddress();

    /**
     * The name of the authenticated user, as the application's authentication established it.
     *
     * @return the name, or null if the request is not authenticated
     */
    String principal();
}
