package dev.ratelimit.http;

import java.util.List;
import java.util.Objects;

/**
 * Which bucket a request counts against under a {@link Policy}: the client's address, its API key, its user, a
 * constant for a global limit, or a combination.
 *
 * <p>A resolver returns {@code null} (or an empty string) when the request has no key, for example no
 * {@code X-API-Key} header; the policy's {@linkplain Policy.MissingKey missing-key rule} decides what happens then.
 * Implementations must be thread-safe, fast and must not throw for any request a client can send.
 */
@FunctionalInterface
public interface KeyResolver {

    /** The IPv4 prefix length {@link #clientIp(TrustedProxies)} groups by: 32, each address. */
    int DEFAULT_IPV4_PREFIX = 32;
    /** The IPv6 prefix length {@link #clientIp(TrustedProxies)} groups by: 64, one subscriber's usual network. */
    int DEFAULT_IPV6_PREFIX = 64;

    /**
     * The key for this request.
     *
     * @param request the request
     * @return the key, or {@code null} (or empty) if the request has none
     */
    String resolve(HttpRequestView request);

    /**
     * The client's IP address, believing forwarding headers only from {@code trustedProxies} (see
     * {@link TrustedProxies} for the rules), grouped as most operators do: an IPv4 client by its address (/32), an
     * IPv6 client by its /64, because one IPv6 subscriber usually holds a whole /64 and could otherwise take a fresh
     * key per address. Same as {@code clientIp(trustedProxies, 32, 64)}.
     *
     * @param trustedProxies the proxies whose forwarding header is believed
     * @return the resolver
     */
    static KeyResolver clientIp(TrustedProxies trustedProxies) {
        return clientIp(trustedProxies, DEFAULT_IPV4_PREFIX, DEFAULT_IPV6_PREFIX);
    }

    /**
     * The client's IP address as {@link #clientIp(TrustedProxies)} finds it, keyed by the block of its first
     * {@code ipv4Prefix} (IPv4) or {@code ipv6Prefix} (IPv6) bits: every address of one block counts against one
     * bucket. The key is the address itself for a full-length prefix ({@code 203.0.113.9}, {@code 2001:db8::1}) and
     * the block otherwise ({@code 203.0.113.0/24}, {@code 2001:db8:1:2::/64}). IPv6 addresses are normalised first,
     * so every spelling of one address gives one key.
     *
     * @param trustedProxies the proxies whose forwarding header is believed
     * @param ipv4Prefix the length of the block an IPv4 client is keyed by, 1 to 32
     * @param ipv6Prefix the length of the block an IPv6 client is keyed by, 1 to 128
     * @return the resolver
     * @throws IllegalArgumentException if ipv4Prefix is not 1 to 32 or ipv6Prefix not 1 to 128
     */
    static KeyResolver clientIp(TrustedProxies trustedProxies, int ipv4Prefix, int ipv6Prefix) {
        Objects.requireNonNull(trustedProxies, "trustedProxies");
        if (ipv4Prefix < 1 || ipv4Prefix > 32) {
            throw new IllegalArgumentException("ipv4Prefix must be 1 to 32 but was " + ipv4Prefix);
        }
        if (ipv6Prefix < 1 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("ipv6Prefix must be 1 to 128 but was " + ipv6Prefix);
        }
        String header = trustedProxies.header().headerName();
        String name = ipv4Prefix == DEFAULT_IPV4_PREFIX && ipv6Prefix == DEFAULT_IPV6_PREFIX ? "ip"
                : "ip(/" + ipv4Prefix + ",/" + ipv6Prefix + ")";
        return new NamedKeyResolver(name, request -> trustedProxies.clientKey(request.remoteAddress(),
                request.headerValues(header), ipv4Prefix, ipv6Prefix));
    }

    /**
     * The value of the request header {@code name} (the first one if repeated), trimmed; missing when absent or
     * blank. For {@code X-API-Key}, {@code X-User-Id} and the like.
     *
     * @param name the header name, such as {@code X-API-Key}
     * @return the resolver
     * @throws IllegalArgumentException if the name is empty or not an HTTP token
     */
    static KeyResolver header(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new IllegalArgumentException("header name must be an HTTP token but was \"" + name + "\"");
        }
        return new NamedKeyResolver("header:" + name, request -> {
            String value = request.header(name);
            if (value == null) {
                return null;
            }
            String trimmed = value.trim();
            return trimmed.isEmpty() ? null : trimmed;
        });
    }

    /**
     * The name of the authenticated user ({@link HttpRequestView#principal()}); missing when not authenticated.
     *
     * @return the resolver
     */
    static KeyResolver principal() {
        return new NamedKeyResolver("principal", HttpRequestView::principal);
    }

    /**
     * The same key for every request: a global limit shared by all clients.
     *
     * @param value the key of every request
     * @return the resolver
     * @throws IllegalArgumentException if the value is empty
     */
    static KeyResolver constant(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("constant key must not be empty");
        }
        return new NamedKeyResolver("constant:" + value, request -> value);
    }

    /**
     * The request's path within the application ({@link HttpRequestView#path()}: without the context path or query),
     * for limits per route; usually combined with a user in {@link #composite}. Empty segments are dropped, so
     * {@code /api/orders/} and {@code /api//orders} count against the bucket of {@code /api/orders}: a client
     * cannot get a fresh bucket by spelling a route differently.
     *
     * @return the resolver
     */
    static KeyResolver route() {
        return new NamedKeyResolver("route", request -> PathPattern.canonical(request.path()));
    }

    /**
     * The parts' keys joined, for example user and route ({@code composite(header("X-User-Id"), route())}) for a
     * per-user-per-API limit. The key is missing if any part is missing. Parts are joined with {@code |}, and a
     * {@code |} or {@code \} inside a part is escaped, so different part values never give the same key.
     *
     * @param parts the parts, two or more
     * @return the resolver
     * @throws IllegalArgumentException if fewer than two parts are given
     */
    static KeyResolver composite(KeyResolver... parts) {
        return composite(List.of(Objects.requireNonNull(parts, "parts")));
    }

    /**
     * The parts' keys joined, as {@link #composite(KeyResolver...)} does.
     *
     * @param parts the parts, two or more
     * @return the resolver
     * @throws IllegalArgumentException if fewer than two parts are given
     */
    static KeyResolver composite(List<KeyResolver> parts) {
        Objects.requireNonNull(parts, "parts");
        if (parts.size() < 2) {
            throw new IllegalArgumentException("a composite key needs at least 2 parts but got " + parts.size());
        }
        List<KeyResolver> list = List.copyOf(parts);
        StringBuilder name = new StringBuilder("composite:");
        for (int i = 0; i < list.size(); i++) {
            name.append(i == 0 ? "" : "+").append(list.get(i));
        }
        return new NamedKeyResolver(name.toString(), request -> {
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < list.size(); i++) {
                String part = list.get(i).resolve(request);
                if (part == null || part.isEmpty()) {
                    return null;
                }
                if (i > 0) {
                    key.append('|');
                }
                for (int c = 0; c < part.length(); c++) {
                    char ch = part.charAt(c);
                    if (ch == '|' || ch == '\\') {
                        key.append('\\');
                    }
                    key.append(ch);
                }
            }
            return key.toString();
        });
    }
}
