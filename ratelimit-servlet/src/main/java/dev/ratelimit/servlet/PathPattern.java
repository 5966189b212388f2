package dev.ratelimit.servlet;

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

    private PathPattern(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
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
        return new PathPattern(text, segments);
    }

    /** Whether the path (starting with {@code /}, without the context path) matches. */
    boolean matches(String path) {
        return match(segments, 0, split(path), 0);
    }

    private static boolean match(String[] pattern, int p, String[] path, int s) {
        while (p < pattern.length) {
            String segment = pattern[p];
            if (segment.equals("**")) {
                if (p == pattern.length - 1) {
                    return true;
                }
                for (int skip = s; skip <= path.length; skip++) {
                    if (match(pattern, p + 1, path, skip)) {
                        return true;
                    }
                }
                return false;
            }
            if (s >= path.length || !matchSegment(segment, path[s])) {
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

    @Override
    public String toString() {
        return text;
    }
}
