package dev.ratelimit.http;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 address parsed from its literal text, without any name lookup.
 *
 * <p>Why not {@code InetAddress}: {@code InetAddress.getByName} resolves anything that is not a literal through
 * DNS, and the text we parse comes from request headers a client controls. This parser accepts literals only and
 * answers {@code null} for anything else.
 *
 * <p>Normal form: an IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) is the IPv4 address, and IPv6 is printed
 * as RFC 5952 recommends (lower case, no leading zeros, the longest run of two or more zero groups as
 * {@code ::}), so every spelling of one address gives the same {@link #toString()}, and so the same rate-limit
 * key. A zone ({@code fe80::1%eth0}) is dropped. Immutable and thread-safe.
 */
final class IpAddress {

    private final byte[] bytes;
    private final String text;

    private IpAddress(byte[] bytes) {
        this.bytes = bytes;
        this.text = bytes.length == 4 ? formatV4(bytes) : formatV6(bytes);
    }

    /** The address the literal names, or {@code null} if it is not an IPv4 or IPv6 literal. */
    static IpAddress parse(String literal) {
        if (literal == null || literal.isEmpty() || literal.length() > 64) {
            return null;
        }
        String s = literal;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        byte[] b = s.indexOf(':') >= 0 ? parseV6(s) : parseV4(s);
        if (b == null) {
            return null;
        }
        if (b.length == 16 && isV4Mapped(b)) {
            b = Arrays.copyOfRange(b, 12, 16);
        }
        return new IpAddress(b);
    }

    /** 4 bytes for IPv4, 16 for IPv6; a copy is never needed because nothing outside this package sees it. */
    byte[] bytes() {
        return bytes;
    }

    boolean isV4() {
        return bytes.length == 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /**
     * The key of the block of {@code prefixLength} leading bits this address lies in: the address itself when the
     * prefix covers every bit (32 for IPv4, 128 for IPv6), otherwise the block's network address in normal form with
     * {@code /prefixLength} appended ({@code 2001:db8:1:2::/64}, {@code 192.0.2.0/24}). Every address of one block
     * gives the same text, and no two blocks do.
     *
     * @throws IllegalArgumentException if the prefix length is outside 0 to the address's bit count
     */
    String blockKey(int prefixLength) {
        int bits = bytes.length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length must be 0 to " + bits + " but was " + prefixLength);
        }
        if (prefixLength == bits) {
            return text;
        }
        byte[] network = network(bytes, prefixLength);
        return (network.length == 4 ? formatV4(network) : formatV6(network)) + "/" + prefixLength;
    }

    /** A copy of {@code address} with every bit after the first {@code prefixLength} cleared. */
    static byte[] network(byte[] address, int prefixLength) {
        byte[] network = address.clone();
        for (int bit = prefixLength; bit < network.length * 8; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return network;
    }

    /** The normal form described in the class comment. */
    @Override
    public String toString() {
        return text;
    }

    static byte[] parseV4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        int n = s.length();
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            // A leading zero ("010") reads as octal in some parsers; refuse it rather than guess.
            if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= n || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == n ? out : null;
    }

    static byte[] parseV6(String s) {
        byte[] out = new byte[16];
        int n = s.length();
        int gap = -1;
        int pos = 0;
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return out;
            }
        } else if (s.startsWith(":")) {
            return null;
        }
        while (i < n) {
            if (pos >= 16) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128 && i - start < 4) {
                value = (value << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // An embedded IPv4 tail: the last 32 bits.
                if (pos > 12) {
                    return null;
                }
                byte[] v4 = parseV4(s.substring(start));
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, out, pos, 4);
                pos += 4;
                i = n;
                break;
            }
            if (i == start) {
                return null;
            }
            out[pos++] = (byte) (value >>> 8);
            out[pos++] = (byte) value;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = pos;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null;
            }
        }
        if (gap < 0) {
            return pos == 16 ? out : null;
        }
        if (pos == 16) {
            return null;
        }
        int tail = pos - gap;
        System.arraycopy(out, gap, out, 16 - tail, tail);
        Arrays.fill(out, gap, 16 - tail, (byte) 0);
        return out;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static String formatV4(byte[] b) {
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }

    private static String formatV6(byte[] b) {
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = ((b[2 * g] & 0xff) << 8) | (b[2 * g + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[g]));
        }
        return sb.toString();
    }
}
