package dev.ratelimit.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The reverse proxies whose forwarding header is believed, and which header they write. Used by
 * {@link KeyResolver#clientIp(TrustedProxies)}.
 *
 * <h2>How the client address is found</h2>
 * Start from the address of the peer ({@link HttpRequestView#remoteAddress()}, the TCP peer for a servlet
 * container). If the peer is not in a trusted block, it is the client, whatever the request's headers say: a
 * client that sends a forged {@code X-Forwarded-For} directly never changes its key. If the peer is trusted, walk
 * the header's addresses from the right (the nearest hop first), skipping addresses in trusted blocks; the first
 * untrusted address is the client. If every address is trusted, the left-most one is. A hop a trusted proxy wrote as an RFC 7239 obfuscated identifier
 * ({@code _hidden}) is the client's key as it is; an {@code unknown} or unreadable hop ends the walk and the last
 * trusted address is the key.
 *
 * <p>Only one header is read: {@link Header#X_FORWARDED_FOR} (the default) or {@link Header#FORWARDED}. Configure
 * the one your proxy writes; reading the other would let a client forge it, because the proxy passes it through
 * untouched.
 *
 * <p>Addresses are literals only; nothing is looked up in DNS. IPv4 and IPv6 are supported; IPv6 addresses are
 * normalised, so every spelling of one address gives the same key, and an IPv4-mapped IPv6 address is its IPv4
 * address.
 *
 * <p>Immutable and thread-safe.
 */
public final class TrustedProxies {

    /** The forwarding header a trusted proxy writes. Immutable. */
    public enum Header {
        /** {@code X-Forwarded-For: client, proxy1, proxy2}: the de facto standard. */
        X_FORWARDED_FOR("X-Forwarded-For"),
        /** {@code Forwarded: for=client;proto=https, for="[2001:db8::1]:4711"} (RFC 7239). */
        FORWARDED("Forwarded");

        private final String headerName;

        Header(String headerName) {
            this.headerName = headerName;
        }

        /** {@return the HTTP header name} */
        public String headerName() {
            return headerName;
        }
    }

    private static final TrustedProxies NONE = new TrustedProxies(Header.X_FORWARDED_FOR, List.of());

    private final Header header;
    private final List<Cidr> blocks;

    private TrustedProxies(Header header, List<Cidr> blocks) {
        this.header = header;
        this.blocks = blocks;
    }

    /** {@return no trusted proxy: the client is always the peer} */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Proxies in these blocks are trusted and write {@code X-Forwarded-For}.
     *
     * @param blocks CIDR blocks or single addresses, such as {@code 10.0.0.0/8}, {@code 192.0.2.7} or
     *     {@code ::1/128}
     * @return the trusted proxies
     * @throws IllegalArgumentException naming a block that is not an address literal or CIDR block
     */
    public static TrustedProxies of(String... blocks) {
        return of(List.of(Objects.requireNonNull(blocks, "blocks")));
    }

    /**
     * Proxies in these blocks are trusted and write {@code X-Forwarded-For}.
     *
     * @param blocks CIDR blocks or single addresses, such as {@code 10.0.0.0/8}
     * @return the trusted proxies
     * @throws IllegalArgumentException naming a block that is not an address literal or CIDR block
     */
    public static TrustedProxies of(List<String> blocks) {
        return of(Header.X_FORWARDED_FOR, blocks);
    }

    /**
     * Proxies in these blocks are trusted and write {@code header}.
     *
     * @param header the header those proxies write
     * @param blocks CIDR blocks or single addresses, such as {@code 10.0.0.0/8}
     * @return the trusted proxies
     * @throws IllegalArgumentException naming a block that is not an address literal or CIDR block
     */
    public static TrustedProxies of(Header header, List<String> blocks) {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(blocks, "blocks");
        List<Cidr> parsed = new ArrayList<>(blocks.size());
        for (String block : blocks) {
            Objects.requireNonNull(block, "block");
            parsed.add(Cidr.parse(block));
        }
        return new TrustedProxies(header, List.copyOf(parsed));
    }

    /** {@return the header read from trusted proxies} */
    public Header header() {
        return header;
    }

    /** {@return the trusted blocks as given} */
    public List<String> blocks() {
        List<String> out = new ArrayList<>(blocks.size());
        for (Cidr block : blocks) {
            out.add(block.toString());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The client's key for a request from {@code remoteAddr} carrying these values of {@link #header()}, as the
     * class comment describes, with the client's address as it is; {@code null} if the peer address is missing.
     */
    String clientKey(String remoteAddr, List<String> headerValues) {
        return clientKey(remoteAddr, headerValues, 32, 128);
    }

    /**
     * As {@link #clientKey(String, List)}, but an IPv4 client is keyed by its block of {@code ipv4Prefix}
     * bits and an IPv6 client by its block of {@code ipv6Prefix} bits ({@link IpAddress#blockKey}). The walk over
     * the proxies compares whole addresses, as before; only the client found is grouped.
     */
    String clientKey(String remoteAddr, List<String> headerValues, int ipv4Prefix, int ipv6Prefix) {
        if (remoteAddr == null || remoteAddr.isEmpty()) {
            return null;
        }
        IpAddress peer = IpAddress.parse(remoteAddr);
        if (peer == null) {
            return remoteAddr; // not an IP socket (for example a Unix domain socket): the container's name for it
        }
        if (!isTrusted(peer) || headerValues == null || headerValues.isEmpty()) {
            return peer.blockKey(peer.isV4() ? ipv4Prefix : ipv6Prefix);
        }
        List<String> hops = new ArrayList<>();
        for (String value : headerValues) {
            if (value != null) {
                if (header == Header.FORWARDED) {
                    ForwardedHeader.forNodes(value, hops);
                } else {
                    ForwardedHeader.xForwardedForNodes(value, hops);
                }
            }
        }
        IpAddress current = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String node = hops.get(i);
            IpAddress hop = IpAddress.parse(ForwardedHeader.nodeAddress(node));
            if (hop == null) {
                if (ForwardedHeader.isObfuscated(node)) {
                    return node;
                }
                break;
            }
            if (!isTrusted(hop)) {
                return hop.blockKey(hop.isV4() ? ipv4Prefix : ipv6Prefix);
            }
            current = hop;
        }
        return current.blockKey(current.isV4() ? ipv4Prefix : ipv6Prefix);
    }

    boolean isTrusted(IpAddress address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "TrustedProxies{header=" + header.headerName() + ", blocks=" + blocks + '}';
    }
}
