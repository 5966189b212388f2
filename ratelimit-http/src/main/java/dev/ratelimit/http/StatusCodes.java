package dev.ratelimit.http;

import java.util.BitSet;

/**
 * A set of HTTP status codes written as codes and ranges, such as {@code 500-599} or {@code 401,403}. Codes are 100
 * to 599. Immutable and thread-safe.
 */
final class StatusCodes {

    static final StatusCodes NONE = new StatusCodes(new BitSet(), "");

    private final BitSet codes;
    private final String text;

    private StatusCodes(BitSet codes, String text) {
        this.codes = codes;
        this.text = text;
    }

    /**
     * Parses {@code code[-code](,code[-code])*}.
     *
     * @throws IllegalArgumentException naming the text if it is not such a list of codes from 100 to 599
     */
    static StatusCodes parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("status codes must not be empty; expected for example 500-599 or"
                    + " 401,403");
        }
        BitSet codes = new BitSet(600);
        for (String part : text.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            int from = code(dash < 0 ? p : p.substring(0, dash).trim(), text);
            int to = dash < 0 ? from : code(p.substring(dash + 1).trim(), text);
            if (to < from) {
                throw new IllegalArgumentException("status codes \"" + text + "\" have the empty range " + p);
            }
            codes.set(from, to + 1);
        }
        return new StatusCodes(codes, text.replace(" ", ""));
    }

    private static int code(String digits, String text) {
        if (digits.length() == 3 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int code = Integer.parseInt(digits);
            if (code >= 100 && code <= 599) {
                return code;
            }
        }
        throw new IllegalArgumentException("status codes \"" + text + "\" contain \"" + digits + "\"; expected codes"
                + " from 100 to 599 and ranges such as 500-599");
    }

    boolean contains(int status) {
        return status >= 0 && codes.get(status);
    }

    boolean isEmpty() {
        return codes.isEmpty();
    }

    @Override
    public String toString() {
        return text;
    }
}
