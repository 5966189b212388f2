package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * WebFlux on Netty, limited by application-webflux.yml alone, driven by real HTTP, with BlockHound installed: a
 * blocking call on an event-loop thread anywhere in the filter would fail the request.
 */
@SpringBootTest(classes = {WebFluxApp.class, WebFluxRateLimitTest.Clock.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("webflux")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class WebFluxRateLimitTest {

    @BeforeAll
    static void blockHound() {
        Blocking.detect();
    }

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
    @Autowired
    private RateLimitEngine engine;

    private Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    @Test
    void blockHoundIsWatchingNonBlockingThreads() {
        assertThatThrownBy(() -> Mono.fromRunnable(Thread::yield).subscribeOn(Schedulers.parallel()).block())
                .hasMessageContaining("Blocking call");
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
        assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"global\";r=97;t=2, \"perKey\";r=0;t=20");
        assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(denied.body()).contains("\"status\":429").contains("\"policy\":\"perKey\"");

        clock.advance(Duration.ofSeconds(20));
        assertThat(http.get("/api/hello", "X-API-Key", "free-key").statusCode()).isEqualTo(200);
    }

    @Test
    void missingKeyExclusionsAndARefundOnTheErrorStatus() {
        HttpResponse<String> noKey = http.get("/api/hello");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("WWW-Authenticate")).isPresent();

        HttpResponse<String> excluded = http.get("/health");
        assertThat(excluded.statusCode()).isEqualTo(200);
        assertThat(excluded.headers().firstValue("RateLimit")).isEmpty();

        for (int i = 1; i <= 10; i++) {
            assertThat(http.get("/api/fail", "X-API-Key", "free-key").statusCode()).as("request %d", i)
                    .isEqualTo(503);
        }
        // Each 503 gave its permit back: settlement runs after the answer, so wait for it without sleeping.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                engine.limiter("perKey", "free").peek("free-key").remaining()).isEqualTo(3));
        assertThat(http.get("/api/hello", "X-API-Key", "free-key").headers().firstValue("X-RateLimit-Remaining"))
                .hasValue("2");
    }
}
