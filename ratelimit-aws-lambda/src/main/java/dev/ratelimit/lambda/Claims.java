package dev.ratelimit.lambda;

import java.util.Map;

/** Reads the user out of an authorizer's claims. Stateless. */
final class Claims {

    private Claims() {
    }

    /**
     * The {@code sub} claim, else {@code cognito:username}; null if {@code claims} is not a map or has neither.
     * {@code sub} first: it is the user's stable identifier (a user name can be reused after a user is deleted).
     */
    static String user(Object claims) {
        if (!(claims instanceof Map<?, ?> map)) {
            return null;
        }
        String sub = text(map.get("sub"));
        return sub != null ? sub : text(map.get("cognito:username"));
    }

    /** A claim as text: a string as it is, a number or boolean as written; null for anything else or empty. */
    static String text(Object value) {
        if (value instanceof String s) {
            return s.isEmpty() ? null : s;
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return null;
    }
}
