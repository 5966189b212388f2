package dev.ratelimit.lambda;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** The application path of an HTTP API event's {@code rawPath}. Stateless. */
final class RawPaths {

    private RawPaths() {
    }

    /**
     * {@code rawPath} without the leading {@code /STAGE} of a named stage, its percent-escapes decoded once as UTF-8
     * except {@code %2F} (kept, so an escaped slash never makes a new segment). A path that does not decode as
     * UTF-8 is returned undecoded; an empty or missing path is {@code /}.
     */
    static String applicationPath(String rawPath, String stage) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String path = rawPath;
        if (stage != null && !stage.isEmpty() && !stage.equals("$default")) {
            String prefix = "/" + stage;
            if (path.equals(prefix)) {
                path = "/";
            } else if (path.startsWith(prefix + "/")) {
                path = path.substring(prefix.length());
            }
        }
        return path.indexOf('%') < 0 ? path : decode(path);
    }

    private static String decode(String path) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int hi = Character.digit(path.charAt(i + 1), 16);
                int lo = Character.digit(path.charAt(i + 2), 16);
                int b = hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
                if (b >= 0 && b != '/') {
                    bytes.write(b);
                    i += 2;
                    continue;
                }
            }
            if (c < 0x80) {
                bytes.write(c);
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < path.length()) {
                    encoded = path.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.write(encoded, 0, encoded.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return path;
        }
    }
}
