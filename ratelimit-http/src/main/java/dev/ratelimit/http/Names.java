package dev.ratelimit.http;

import java.util.Objects;

/** Checks names of policies and plans, which end up in store keys, property keys and response headers. */
final class Names {

    static final int MAX_LENGTH = 40;

    private Names() {
    }

    /**
     * Returns {@code name} if it is 1 to 40 characters of {@code A-Z a-z 0-9 _ -}.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    static String check(String what, String name) {
        Objects.requireNonNull(name, what);
        boolean ok = !name.isEmpty() && name.length() <= MAX_LENGTH;
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }
        if (!ok) {
            throw new IllegalArgumentException(what + " must be 1 to " + MAX_LENGTH
                    + " characters of A-Z, a-z, 0-9, '_' and '-' but was \"" + name + "\"");
        }
        return name;
    }
}
