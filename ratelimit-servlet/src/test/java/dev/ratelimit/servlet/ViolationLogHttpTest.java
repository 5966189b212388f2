package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.testkit.FakeClock;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a key is the client's text, and the violation log writes it. Every control and line-separator
 * character in it (CR, LF, NEL U+0085, U+2028, U+2029, other C0 and C1) is escaped, so a client cannot start a
 * forged log line. The requests are written byte by byte on a socket: Jetty passes NEL, U+2028 and U+2029 in a
 * percent-encoded path and NEL (byte 0x85) in a header value; it refuses CR and LF itself, so they come from a
 * resolver that decodes its header, as one that reads a token claim would.
 */
class ViolationLogHttpTest {

    @TempDir
    Path dir;

    /** A key resolver an application might write: the user id from a URL-encoded header. */
    private static KeyResolver decodingResolver() {
        return request -> {
            String value = request.header("X-Encoded-User");
            return value == null ? null : URLDecoder.decode(value, StandardCharsets.UTF_8);
        };
    }

    @Test
    void controlAndLineSeparatorCharactersInKeysAreEscapedInTheViolationLog() throws Exception {
        Path config = Files.write(dir.resolve("log.properties"), List.of(
                "ratelimit.policies=perRoute,perUser",
                "ratelimit.policy.perRoute.key=route",
                "ratelimit.policy.perRoute.paths=/r/**",
                "ratelimit.policy.perRoute.limits=1/1h",
                "ratelimit.policy.perUser.key=header:X-User-Id",
                "ratelimit.policy.perUser.paths=/u",
                "ratelimit.policy.perUser.limits=1/1h",
                "ratelimit.violationLog=error",
                "ratelimit.violationLog.rate=100/1s"), StandardCharsets.UTF_8);
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config)
                .timeSource(new FakeClock()).build();
        List<Policy> fromFile = filter.engine().config().policies();
        filter.engine().updatePolicies(List.of(fromFile.get(0), fromFile.get(1), Policy.builder("decoded").paths("/d")
                .key(decodingResolver()).limits(Limit.parse("1/1h")).build()));
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (TestServer server = TestServer.start(filter)) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                for (String status : List.of("HTTP/1.1 200", "HTTP/1.1 429")) {
                    assertThat(send(server, "/r/a%C2%85b%E2%80%A8c%E2%80%A9d")).startsWith(status);
                    assertThat(send(server, "/u", "X-User-Id: e\u0085f\tg")).startsWith(status);
                    assertThat(send(server, "/d", "X-Encoded-User: h%0D%0Aforged%0Ai%1Bj%C2%9Bk")).startsWith(status);
                }
            } finally {
                System.setErr(originalErr);
            }
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        List<String> lines = Arrays.stream(log.split("\n")).filter(l -> l.contains("dev.ratelimit.violations"))
                .toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("key=/r/a\\u0085b\\u2028c\\u2029d ");
        assertThat(lines.get(1)).contains("key=e\\u0085f\\tg ");
        assertThat(lines.get(2)).contains("key=h\\r\\nforged\\ni\\u001bj\\u009bk ");
        // One physical line per violation: nothing a log reader would take for a line break is left.
        assertThat(log.chars().filter(c -> c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0x1b)
                .count()).isZero();
        assertThat(log.split("\n")).noneMatch(l -> l.startsWith("forged"));
    }

    /** Sends a GET as raw bytes (ISO-8859-1, so a header can carry byte 0x85); the status line of the answer. */
    private static String send(TestServer server, String path, String... headers) throws Exception {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: test\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.substring(0, response.indexOf('\r'));
        }
    }
}
