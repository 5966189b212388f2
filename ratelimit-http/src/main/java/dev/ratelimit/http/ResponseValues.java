package dev.ratelimit.http;

import java.util.List;
import java.util.Objects;

/**
 * A whole answer the engine gives instead of the application's: a 429 for a request over its limit, a 401 for a
 * request without a key. A front door writes the status, every header (replacing any of that name), the
 * {@code Content-Type} exactly as given (no charset is appended: {@code application/problem+json} defines none) and
 * the body as UTF-8 bytes. Immutable and thread-safe.
 *
 * @param status the HTTP status, such as 429
 * @param headers the headers to set, such as {@code Retry-After} and the rate-limit headers; not including
 *     {@code Content-Type}
 * @param contentType the media type of the body: {@code application/problem+json}
 * @param body the RFC 9457 problem details, a JSON object
 */
public record ResponseValues(int status, List<HttpHeader> headers, String contentType, String body) {

    /**
     * An answer.
     *
     * @param status the HTTP status, such as 429
     * @param headers the headers to set; copied
     * @param contentType the media type of the body
     * @param body the body
     * @throws NullPointerException if headers, contentType or body is null
     */
    public ResponseValues {
        headers = List.copyOf(headers);
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }

    /**
     * The first value of the header {@code name} (case-insensitive), or null.
     *
     * @param name a header name
     * @return the value, or null if there is no such header
     */
    public String header(String name) {
        for (HttpHeader h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }
}
