package dev.ratelimit.http;

import java.util.ArrayList;
import java.util.List;

/**
 * A path pattern: segments separated by {@code /}, where a segment {@code *} matches exactly one segment, a
 * segment containing {@code *} (such as {@code *.json} or {@code v*}) matches one segment with any characters in
 * place of the star, and a segment {@code **} matches zero or more segments. Everything else matches literally and
 * case-sensitively. {@code /api/**} matches {@code /api}, {@code /api/} and {@code /api/a/b}; {@code /users/*}
 * matches {@code /users/42} but not {@code /users/42/orders}. Immutable and thread-safe.
 */
final class PathPattern {

    private final String text;
    private final String[] segments;
    /** The segments with empty ones kept ({@code /health/} is {@code health} and {@code ""}), for exact matching. */
    private final String[] exactSegments;

    private PathPattern(String text, String[] segments, String[] exactSegments) {
        this.text = text;
        this.segments = segments;
        this.exactSegments = exactSegments;
    }

    /**
     * Parses a pattern.
     *
     * @throws IllegalArgumentException if it does not start with {@code /} or uses {@code **} inside a segment
     */
    static PathPattern parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("path pattern must start with '/' but was \"" + text + "\"");
        }
        String[] segments = split(text);
        for (String segment : segments) {
            if (segment.contains("**") && !segment.equals("**")) {
                throw new IllegalArgumentException("path pattern \"" + text + "\" uses ** inside the segment \""
                        + segment + "\"; ** must be a whole segment");
            }
        }
        return new PathPattern(text, segments, splitExactly(text));
    }

    /**
     * Whether the path (starting with {@code /}, without the context path) matches, ignoring empty segments: a
     * trailing slash ({@code /api/orders/}) or a doubled one ({@code /api//orders}) matches as if it were absent.
     * Policies match this way, so no spelling of a path escapes the policy that limits it.
     */
    boolean matches(String path) {
        return match(segments, 0, split(path), 0, false);
    }

    /**
     * Whether the path matches segment for segment, empty segments included: {@code /health} matches
     * {@code /health} only, not {@code /health/} or {@code //health}; {@code /health/} matches {@code /health/}
     * only; a {@code *} segment never matches an empty one, a {@code **} segment matches any segments. Exclusions
     * match this way, so a spelling a client chooses never widens an exclusion.
     */
    boolean matchesExactly(String path) {
        return match(exactSegments, 0, splitExactly(path), 0, true);
    }

    /**
     * The path with empty segments removed: {@code /api/orders/} and {@code /api//orders} are {@code /api/orders};
     * the root is {@code /}. The route key, so that one route has one bucket however its path is spelled.
     */
    static String canonical(String path) {
        if (path.startsWith("/") && !path.endsWith("/") && path.indexOf("//") < 0) {
            return path; // already canonical: no copy on the common path
        }
        String[] segments = split(path);
        return segments.length == 0 ? "/" : "/" + String.join("/", segments);
    }

    private static boolean match(String[] pattern, int p, String[] path, int s, boolean exact) {
        while (p < pattern.length) {
            String segment = pattern[p];
            if (segment.equals("**")) {
                if (p == pattern.length - 1) {
                    return true;
                }
                for (int skip = s; skip <= path.length; skip++) {
                    if (match(pattern, p + 1, path, skip, exact)) {
                        return true;
                    }
                }
                return false;
            }
            if (s >= path.length || !matchSegment(segment, path[s])
                    || (exact && path[s].isEmpty() && !segment.isEmpty())) {
                return false;
            }
            p++;
            s++;
        }
        return s == path.length;
    }

    private static boolean matchSegment(String pattern, String segment) {
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(segment);
        }
        // Greedy-free wildcard match on one segment; patterns have few stars, so recursion depth stays small.
        return wildcard(pattern, 0, segment, 0);
    }

    private static boolean wildcard(String pattern, int p, String s, int i) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                for (int k = i; k <= s.length(); k++) {
                    if (wildcard(pattern, p + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (i >= s.length() || s.charAt(i) != c) {
                return false;
            }
            p++;
            i++;
        }
        return i == s.length();
    }

    /** Non-empty segments; {@code "/"} and {@code ""} have none, so {@code /api/} equals {@code /api}. */
    private static String[] split(String path) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (i > start) {
                    out.add(path.substring(start, i));
                }
                start = i + 1;
            }
        }
        return out.toArray(new String[0]);
    }

    /** The segments after the leading {@code /}, empty ones kept: {@code /} is one empty segment. */
    private static String[] splitExactly(String path) {
        return path.substring(path.startsWith("/") ? 1 : 0).split("/", -1);
    }

    @Override
    public String toString() {
        return text;
    }
}
