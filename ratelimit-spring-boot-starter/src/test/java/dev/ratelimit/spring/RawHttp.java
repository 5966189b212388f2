package dev.ratelimit.spring;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Reads one HTTP/1.1 response with a Content-Length from a raw socket, for tests that pipeline requests. */
final class RawHttp {

    private RawHttp() {
    }

    /** The response's head and body as text; fails (naming the cause) when the server does not answer in time. */
    static String read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!endsWithBlankLine(head)) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the connection closed after " + head.size() + " bytes: " + text(head));
                }
                head.write(b);
            }
        } catch (SocketTimeoutException e) {
            throw new IOException("no answer on the connection (" + head.size() + " bytes read)\n"
                    + Http.threadDump(), e);
        }
        String headText = text(head);
        int length = 0;
        for (String line : headText.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return headText + new String(body, StandardCharsets.UTF_8);
    }

    private static boolean endsWithBlankLine(ByteArrayOutputStream head) {
        byte[] b = head.toByteArray();
        int n = b.length;
        return n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.US_ASCII);
    }
}
