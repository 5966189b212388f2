package dev.ratelimit.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starts the web.xml app on Jetty and sends it real HTTP. A filter built from web.xml reads the system clock, so
 * the only time-dependent value, the wait after the 5th request, is checked against the time the test measured.
 */
class WebXmlAppTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static WebXmlApp app;

    @BeforeAll
    static void start() throws Exception {
        app = WebXmlApp.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
    }

    @Test
    void fiveRequestsPerMinutePerAddressThen429WithRetryAfterAndHeaders() throws Exception {
        long start = System.nanoTime();
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> ok = get("/api/hello");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello from /api/hello\n");
            assertThat(header(ok, "RateLimit-Policy")).isEqualTo("\"perIp\";q=5;w=60");
            assertThat(header(ok, "X-RateLimit-Limit")).isEqualTo("5");
            assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo(Integer.toString(5 - i));
            // A token comes back every 12 s, so the bucket is full again 12 s per spent token from now.
            String rateLimit = header(ok, "RateLimit");
            assertThat(rateLimit).startsWith("\"perIp\";r=" + (5 - i) + ";t=");
            int fullIn = Integer.parseInt(rateLimit.substring(rateLimit.indexOf(";t=") + 3));
            long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
            assertThat(fullIn).isBetween((int) (12 * i - elapsed - 1), 12 * i);
            assertThat(header(ok, "X-RateLimit-Reset")).isEqualTo(Integer.toString(fullIn));
        }
        HttpResponse<String> denied = get("/api/hello");
        long elapsedSeconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
        // The next token is due 12 s after the first request; the header rounds the rest up to whole seconds.
        int retryAfter = Integer.parseInt(header(denied, "Retry-After"));
        assertThat(retryAfter).isBetween((int) (12 - elapsedSeconds - 1), 12).isPositive();
        assertThat(header(denied, "RateLimit-Policy")).isEqualTo("\"perIp\";q=5;w=60");
        assertThat(header(denied, "RateLimit")).isEqualTo("\"perIp\";r=0;t=" + retryAfter);
        assertThat(header(denied, "X-RateLimit-Limit")).isEqualTo("5");
        assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(denied.body()).contains("\"status\":429").contains("\"policy\":\"perIp\"")
                .contains("\"retryAfter\":" + retryAfter);

        // web.xml excludes /health: never limited and no headers, even now.
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("RateLimit")).isEmpty();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name)
                .orElseThrow(() -> new AssertionError("no " + name + " header in " + response.headers().map()));
    }
}
