package dev.ratelimit;

import java.util.Locale;

/** Reads the grammar documented on {@link Limit}; one instance per parse, not thread-safe. */
final class LimitParser {

    private final String text;
    private int pos;

    LimitParser(String text) {
        this.text = text;
    }

    Limit parse() {
        skipSpaces();
        long permits = number("permits");
        skipSpaces();
        expect('/');
        skipSpaces();
        long amount = 1;
        int amountStart = pos;
        if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            amount = number("period amount");
            skipSpaces();
        }
        int unitStart = pos;
        while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
            pos++;
        }
        String unit = text.substring(unitStart, pos).toLowerCase(Locale.ROOT);
        long unitMicros = switch (unit) {
            case "us" -> 1L;
            case "ms" -> 1_000L;
            case "s" -> 1_000_000L;
            case "m" -> 60_000_000L;
            case "h" -> 3_600_000_000L;
            case "d" -> 86_400_000_000L;
            case "" -> throw fail(unitStart, "expected a unit (us, ms, s, m, h, d)");
            default -> throw fail(unitStart, "unknown unit \"" + unit + "\" (expected us, ms, s, m, h or d)");
        };
        if (amount > Limit.MAX_PERIOD_MICROS / unitMicros) {
            throw fail(amountStart, "period is longer than 3650 days");
        }
        long periodMicros = amount * unitMicros;
        long burst = permits;
        boolean burstSet = false;
        int beforeSpaces = pos;
        skipSpaces();
        if (pos < text.length()) {
            if (pos == beforeSpaces) {
                throw fail(pos, "unexpected character '" + text.charAt(pos) + "'");
            }
            if (!text.regionMatches(true, pos, "burst", 0, 5)) {
                throw fail(pos, "expected \"burst\" or the end of the text");
            }
            pos += 5;
            int afterKeyword = pos;
            skipSpaces();
            if (pos == afterKeyword && pos < text.length()) {
                throw fail(pos, "expected a space after \"burst\"");
            }
            burst = number("burst");
            burstSet = true;
            skipSpaces();
            if (pos < text.length()) {
                throw fail(pos, "unexpected character '" + text.charAt(pos) + "' after the burst");
            }
        }
        return Limit.ofMicros(permits, periodMicros, burst, burstSet);
    }

    private long number(String what) {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
            pos++;
        }
        if (start == pos) {
            throw fail(start, pos < text.length()
                    ? "expected " + what + " (a positive integer) but found '" + text.charAt(pos) + "'"
                    : "expected " + what + " (a positive integer) but the text ended");
        }
        String digits = text.substring(start, pos);
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw fail(start, what + " " + digits + " is too large");
        }
        if (value < 1) {
            throw fail(start, what + " must be positive but was " + digits);
        }
        if (value > Limit.MAX_PERMITS && !what.equals("period amount")) {
            throw fail(start, what + " " + digits + " is larger than " + Limit.MAX_PERMITS);
        }
        return value;
    }

    private void expect(char c) {
        if (pos >= text.length()) {
            throw fail(pos, "expected '" + c + "' but the text ended");
        }
        if (text.charAt(pos) != c) {
            throw fail(pos, "expected '" + c + "' but found '" + text.charAt(pos) + "'");
        }
        pos++;
    }

    private void skipSpaces() {
        while (pos < text.length() && text.charAt(pos) == ' ') {
            pos++;
        }
    }

    private LimitParseException fail(int at, String problem) {
        return new LimitParseException(text, at, problem);
    }
}
