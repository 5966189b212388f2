package dev.ratelimit.http;

/**
 * Makes client-chosen text safe for one log line. A key comes from the request, so it may hold CR, LF, NEL
 * (U+0085), LINE SEPARATOR (U+2028), PARAGRAPH SEPARATOR (U+2029) or other control characters that would let a
 * client start a forged line in the log, or hide text from whoever reads it. Stateless.
 */
final class LogText {

    private LogText() {
    }

    /**
     * {@code text} with every C0 and C1 control character, DEL, U+2028, U+2029 and backslash written as a Java
     * escape ({@code \n}, {@code \r}, {@code \t}, {@code \\}, otherwise {@code \}{@code uXXXX}); {@code text} itself
     * when there is nothing to escape, so the common case allocates nothing.
     */
    static String escape(String text) {
        if (text == null) {
            return null;
        }
        int first = -1;
        for (int i = 0; i < text.length(); i++) {
            if (needsEscape(text.charAt(i))) {
                first = i;
                break;
            }
        }
        if (first < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (needsEscape(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029' || c == '\\';
    }
}
