package dev.ratelimit.http;

import java.util.List;

/**
 * Reads the hops of {@code Forwarded} (RFC 7239) and {@code X-Forwarded-For}. A hop is kept as the node text the
 * proxy wrote ({@code 192.0.2.1}, {@code [2001:db8::1]:4711}, {@code _hidden}, {@code unknown});
 * {@link #nodeAddress} takes the address out of it. Stateless.
 */
final class ForwardedHeader {

    /** A hop whose node could not be read; it ends the walk like {@code unknown}. */
    static final String UNREADABLE = "unknown";

    private ForwardedHeader() {
    }

    /** Appends the nodes of {@code X-Forwarded-For: a, b, c} to {@code out}, left to right. */
    static void xForwardedForNodes(String value, List<String> out) {
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || value.charAt(i) == ',') {
                String node = value.substring(start, i).trim();
                if (!node.isEmpty()) {
                    out.add(node);
                }
                start = i + 1;
            }
        }
    }

    /**
     * Appends the {@code for=} node of each element of a {@code Forwarded} value to {@code out}, left to right. An
     * element without {@code for=}, or one that cannot be parsed, adds {@link #UNREADABLE}.
     */
    static void forNodes(String value, List<String> out) {
        int i = 0;
        int n = value.length();
        while (i < n) {
            String forNode = null;
            boolean broken = false;
            boolean elementHasContent = false;
            // One element: pairs separated by ';' up to a ',' outside quotes.
            while (i < n && value.charAt(i) != ',') {
                i = skipSpaces(value, i);
                int nameStart = i;
                while (i < n && isTokenChar(value.charAt(i))) {
                    i++;
                }
                String name = value.substring(nameStart, i);
                i = skipSpaces(value, i);
                if (name.isEmpty() || i >= n || value.charAt(i) != '=') {
                    broken |= !name.isEmpty() || (i < n && value.charAt(i) != ',' && value.charAt(i) != ';');
                    i = skipTo(value, i);
                    if (i < n && value.charAt(i) == ';') {
                        i++;
                    }
                    continue;
                }
                elementHasContent = true;
                i = skipSpaces(value, i + 1);
                String pairValue;
                if (i < n && value.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char c = value.charAt(i++);
                        if (c == '\\' && i < n) {
                            sb.append(value.charAt(i++));
                        } else if (c == '"') {
                            closed = true;
                            break;
                        } else {
                            sb.append(c);
                        }
                    }
                    if (!closed) {
                        broken = true;
                    }
                    pairValue = sb.toString();
                } else {
                    int valueStart = i;
                    while (i < n && isTokenChar(value.charAt(i))) {
                        i++;
                    }
                    pairValue = value.substring(valueStart, i);
                }
                if (name.equalsIgnoreCase("for")) {
                    forNode = forNode == null ? pairValue : UNREADABLE; // two for= in one element: ambiguous
                }
                i = skipSpaces(value, i);
                if (i < n && value.charAt(i) == ';') {
                    i++;
                } else if (i < n && value.charAt(i) != ',') {
                    broken = true;
                    i = skipTo(value, i);
                    if (i < n && value.charAt(i) == ';') {
                        i++;
                    }
                }
            }
            if (elementHasContent || broken) {
                out.add(broken || forNode == null || forNode.isEmpty() ? UNREADABLE : forNode);
            }
            i++; // past ','
        }
    }

    /**
     * The address part of a node: {@code [v6]:port} and {@code [v6]} give {@code v6}, {@code v4:port} gives
     * {@code v4}, a bare IPv6 literal is returned as it is.
     */
    static String nodeAddress(String node) {
        if (node.startsWith("[")) {
            int close = node.indexOf(']');
            return close < 0 ? node : node.substring(1, close);
        }
        int colon = node.indexOf(':');
        if (colon >= 0 && node.indexOf(':', colon + 1) < 0) {
            return node.substring(0, colon);
        }
        return node;
    }

    /** RFC 7239 obfnode: {@code "_" 1*(ALPHA / DIGIT / "." / "_" / "-")}, optionally with a port. */
    static boolean isObfuscated(String node) {
        String name = node;
        int colon = node.indexOf(':');
        if (colon >= 0) {
            name = node.substring(0, colon);
        }
        if (name.length() < 2 || name.length() > 64 || name.charAt(0) != '_') {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** Skips to the next ';' or ',' outside quotes. */
    private static int skipTo(String s, int i) {
        boolean quoted = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\\' && quoted) {
                i++;
            } else if (!quoted && (c == ';' || c == ',')) {
                return i;
            }
            i++;
        }
        return i;
    }

    /** RFC 9110 tchar. */
    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
