package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.http.HttpHeader;
import dev.ratelimit.http.ResponseValues;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.ActiveProfiles;

/** A RateLimitRejectionCustomizer bean reshapes the 429 and the 401 on MVC and WebFlux alike, over real HTTP. */
class RejectionCustomizerTest {

    /** Another status, body, content type and an extra header; the engine's rate-limit headers are kept. */
    @TestConfiguration
    static class Customizer {
        @Bean
        RateLimitRejectionCustomizer legacyErrors() {
            return (request, answer) -> new ResponseValues(answer.status() == 429 ? 503 : answer.status(),
                    Stream.concat(answer.headers().stream(), Stream.of(new HttpHeader("X-Error-Code",
                            "E" + answer.status()))).toList(),
                    "application/json", "{\"error\":" + answer.status() + ",\"path\":\"" + request.path() + "\"}");
        }
    }

    static void assertCustomized(Http http) {
        for (int i = 1; i <= 3; i++) {
            assertThat(http.get("/api/hello", "X-API-Key", "free-key").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> denied = http.get("/api/hello", "X-API-Key", "free-key");
        assertThat(denied.statusCode()).isEqualTo(503);
        assertThat(denied.body()).isEqualTo("{\"error\":429,\"path\":\"/api/hello\"}");
        assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(denied.headers().firstValue("X-Error-Code")).hasValue("E429");
        assertThat(denied.headers().firstValue("Retry-After")).hasValue("20");
        assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"global\";r=97;t=2, \"perKey\";r=0;t=20");

        HttpResponse<String> noKey = http.get("/api/hello");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("X-Error-Code")).hasValue("E401");
        assertThat(noKey.headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @Nested
    @SpringBootTest(classes = {MvcApp.class, Customizer.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @ActiveProfiles("mvc")
    class OnMvc {
        @LocalServerPort
        private int port;

        @Test
        void theCustomizersAnswerIsSent() {
            assertCustomized(new Http(port));
        }
    }

    @Nested
    @SpringBootTest(classes = {WebFluxApp.class, Customizer.class, WebFluxRateLimitTest.Clock.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @ActiveProfiles("webflux")
    class OnWebFlux {
        @LocalServerPort
        private int port;

        @Test
        void theCustomizersAnswerIsSent() {
            assertCustomized(new Http(port));
        }
    }
}
