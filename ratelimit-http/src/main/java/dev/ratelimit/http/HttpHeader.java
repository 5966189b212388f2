package dev.ratelimit.http;

import java.util.Objects;

/**
 * One response header as a name and a value, such as {@code Retry-After: 30}. A front door sets it on its response
 * (replacing any header of that name the application set earlier). Names and values the engine produces are plain
 * ASCII without control characters. Immutable and thread-safe.
 *
 * @param name the header name, such as {@code RateLimit}
 * @param value the header value
 */
public record HttpHeader(String name, String value) {

    /**
     * A header.
     *
     * @param name the header name, such as {@code RateLimit}
     * @param value the header value
     * @throws NullPointerException if either is null
     */
    public HttpHeader {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
