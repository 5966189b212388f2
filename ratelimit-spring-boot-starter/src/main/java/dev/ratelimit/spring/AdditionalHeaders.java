package dev.ratelimit.spring;

/**
 * How a {@link RateLimited} method's headers join the path-based policies' headers: {@code RateLimit-Policy} and
 * {@code RateLimit} are structured-field lists, so the method's items are added as further field lines (a client
 * reads them as one list); every other header is kept from the path-based policies when they sent it.
 *
 * <p>Stateless and thread-safe.
 */
final class AdditionalHeaders {

    private AdditionalHeaders() {
    }

    /** Whether {@code name} is a list header whose items from several evaluations are all sent. */
    static boolean isList(String name) {
        return name.equalsIgnoreCase("RateLimit") || name.equalsIgnoreCase("RateLimit-Policy");
    }
}
