package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

/** Spring MVC on Tomcat, limited by application-mvc.yml alone, driven by real HTTP. */
@SpringBootTest(classes = MvcApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("mvc")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class MvcRateLimitTest {

    @LocalServerPort
    private int port;
    @Autowired
    private FakeClock clock;
    @Autowired
    private FilterRegistrationBean<RateLimitFilter> registration;
    @Autowired
    private RateLimitEngine engine;

    private Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    @Test
    void theFreePlanGetsThreeThen429WithTheIetfHeadersAndAProblemBody() {
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = http.get("/api/hello", "X-API-Key", "free-key");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello");
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue(
                    "\"global\";q=100;w=60, \"perKey\";q=3;w=60");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(3 - i));
        }
        HttpResponse<String> denied = http.get("/api/hello", "X-API-Key", "free-key");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).hasValue("20");
        assertThat(denied.headers().firstValue("RateLimit")).hasValue(
                "\"global\";r=97;t=2, \"perKey\";r=0;t=20");
        assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(denied.body()).contains("\"status\":429").contains("\"policy\":\"perKey\"")
                .contains("\"retryAfter\":20");

        clock.advance(Duration.ofSeconds(20));
        assertThat(http.get("/api/hello", "X-API-Key", "free-key").statusCode()).isEqualTo(200);
    }

    @Test
    void plansKeysAndExclusions() {
        for (int i = 1; i <= 5; i++) {
            assertThat(http.get("/api/hello", "X-API-Key", "pro-key").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> denied = http.get("/api/hello", "X-API-Key", "pro-key");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue(
                "\"global\";q=100;w=60, \"perKey/1m\";q=5;w=60, \"perKey/1d\";q=100;w=86400");

        HttpResponse<String> noKey = http.get("/api/hello");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(http.get("/api/hello", "X-API-Key", "unknown").statusCode()).isEqualTo(401);

        HttpResponse<String> excluded = http.get("/health");
        assertThat(excluded.statusCode()).isEqualTo(200);
        assertThat(excluded.headers().firstValue("RateLimit")).isEmpty();
    }

    @Test
    void aRefundOnStatusReachesTheEngineThroughTheFilter() {
        for (int i = 1; i <= 10; i++) {
            assertThat(http.get("/api/fail", "X-API-Key", "free-key").statusCode()).as("request %d", i)
                    .isEqualTo(503);
            // The filter settles after the answer has gone out, so the refund can land just after the client has
            // its 503 (CONFIG.md says so): wait for it, within a bound, before the next request.
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(engine.limiter("perKey", "free").peek("free-key").remaining()).isEqualTo(3));
        }
        assertThat(http.get("/api/hello", "X-API-Key", "free-key").headers().firstValue("X-RateLimit-Remaining"))
                .hasValue("2");
    }

    @Test
    void theFilterIsRegisteredAsConfiguredAndUsesTheApplicationsClock() {
        assertThat(registration.getOrder()).isEqualTo(-99);
        assertThat(registration.getUrlPatterns()).containsExactly("/*");
        assertThat(engine.config().policies()).hasSize(2);
        assertThat(engine.limiter("perKey", "free")).isNotNull();
    }
}
