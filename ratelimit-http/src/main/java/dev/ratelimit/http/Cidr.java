package dev.ratelimit.http;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a block of one. IPv4
 * blocks match IPv4 addresses (including IPv4-mapped IPv6 ones, which {@link IpAddress} normalises to IPv4), IPv6
 * blocks match IPv6 addresses. Immutable and thread-safe.
 */
final class Cidr {

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /**
     * Parses {@code address/prefix} or a bare address.
     *
     * @throws IllegalArgumentException naming the text if it is not a block
     */
    static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        IpAddress address = IpAddress.parse(addressPart);
        if (address == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address or CIDR block:"
                    + " expected for example 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32");
        }
        int bits = address.bytes().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = s.substring(slash + 1);
            try {
                prefix = digits.length() > 3 ? -1 : Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (address.isV4() && addressPart.indexOf(':') >= 0 && prefix >= 96) {
                // ::ffff:10.0.0.0/104 is the IPv4 block 10.0.0.0/8.
                prefix -= 96;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("\"" + text + "\" has an invalid prefix length \"" + digits
                        + "\": expected 0 to " + bits);
            }
        }
        return new Cidr(IpAddress.network(address.bytes(), prefix), prefix, s);
    }

    /** Whether the address lies in this block. */
    boolean contains(IpAddress address) {
        byte[] b = address.bytes();
        if (b.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[full] & mask) == (network[full] & 0xff);
    }

    @Override
    public String toString() {
        return text;
    }
}
