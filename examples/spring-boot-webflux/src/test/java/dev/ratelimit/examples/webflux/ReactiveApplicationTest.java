package dev.ratelimit.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testkit.FakeClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/** The app on Netty on a random port with a fake clock, driven by real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReactiveApplicationTest {

    @TestConfiguration
    static class Clock {
        @Bean
        FakeClock fakeClock() {
            return new FakeClock();
        }
    }

    @LocalServerPort
    private int port;
    @Autowired
    private FakeClock clock;

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void freeKeyGetsFivePerMinuteThen429() throws Exception {
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> ok = get("/api/hello", "demo-free-key");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello, demo-free-key\n");
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"perIp\";q=100;w=60, \"perKey\";q=5;w=60");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(5 - i));
        }
        HttpResponse<String> denied = get("/api/hello", "demo-free-key");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).hasValue("12");
        assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(denied.body()).contains("\"policy\":\"perKey\"").contains("\"retryAfter\":12");

        clock.advance(Duration.ofSeconds(12));
        assertThat(get("/api/hello", "demo-free-key").statusCode()).isEqualTo(200);
    }

    @Test
    void noKeyIs401AndHealthIsNeverLimited() throws Exception {
        assertThat(get("/api/hello", null).statusCode()).isEqualTo(401);
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("RateLimit")).isEmpty();
    }

    private HttpResponse<String> get(String path, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
