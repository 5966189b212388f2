package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** @RateLimited on controller methods, on MVC and WebFlux over real HTTP, and a bad annotation stopping the context. */
class RateLimitedAnnotationTest {

    /** Inline: 2 per minute per API key on /api/annotated, on top of the path-based policies. */
    static void assertInline(Http http) {
        for (int i = 1; i <= 2; i++) {
            HttpResponse<String> ok = http.get("/api/annotated", "X-API-Key", "pro-key");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("annotated");
            assertThat(String.join(", ", ok.headers().allValues("RateLimit-Policy")))
                    .contains("\"global\";q=100;w=60").contains("\"Hello-annotated\";q=2;w=60");
            assertThat(String.join(", ", ok.headers().allValues("RateLimit")))
                    .contains("\"Hello-annotated\";r=" + (2 - i) + ";t=");
        }
        HttpResponse<String> denied = http.get("/api/annotated", "X-API-Key", "pro-key");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(denied.body()).contains("\"policy\":\"Hello-annotated\"");
        // another handler is not limited by the annotation
        assertThat(http.get("/api/hello", "X-API-Key", "pro-key").statusCode()).isEqualTo(200);
    }

    @Nested
    @SpringBootTest(classes = MvcApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @ActiveProfiles("mvc")
    @DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
    class OnMvc {
        @LocalServerPort
        private int port;

        @Test
        void inlineLimits() {
            assertInline(new Http(port));
        }

        @Test
        void aNamedPolicysDefinitionInItsOwnBucket() {
            Http http = new Http(port);
            // perKey's definition (plans; free = 3/1m) counted as "reports", beside the path-based perKey
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> ok = http.get("/api/reports", "X-API-Key", "free-key");
                assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
                assertThat(String.join(", ", ok.headers().allValues("RateLimit")))
                        .contains("\"reports\";r=" + (3 - i));
            }
            HttpResponse<String> denied = http.get("/api/reports", "X-API-Key", "free-key");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(http.get("/api/reports").statusCode()).isEqualTo(401);
        }
    }

    @Nested
    @SpringBootTest(classes = {WebFluxApp.class, WebFluxRateLimitTest.Clock.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @ActiveProfiles("webflux")
    @DirtiesContext
    class OnWebFlux {
        @LocalServerPort
        private int port;

        @Test
        void inlineLimits() {
            Blocking.detect();
            assertInline(new Http(port));
        }
    }

    @RestController
    static class BadController {
        @RateLimited(limits = "2 per minute")
        @GetMapping("/bad")
        String bad() {
            return "bad";
        }
    }

    @Test
    void aBadAnnotationStopsTheContextNamingTheMethodAndTheValue() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class,
                        RateLimitAutoConfiguration.class, RateLimitServletAutoConfiguration.class))
                .withPropertyValues("ratelimit.policies=api", "ratelimit.policy.api.key=ip",
                        "ratelimit.policy.api.limits=10/1s")
                .withBean(BadController.class)
                .run(c -> {
                    assertThat(c).hasFailed();
                    assertThat(c.getStartupFailure())
                            .hasStackTraceContaining("@RateLimited on " + BadController.class.getName() + ".bad")
                            .hasStackTraceContaining("ratelimit.policy.BadController-bad.limits=2 per minute");
                });
    }
}
