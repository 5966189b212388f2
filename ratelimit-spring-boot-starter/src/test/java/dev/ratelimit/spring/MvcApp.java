package dev.ratelimit.spring;

import dev.ratelimit.testkit.FakeClock;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A Spring MVC application with no rate-limit code: everything comes from application-mvc.yml. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(MvcApp.Hello.class)
class MvcApp {

    @Bean
    FakeClock fakeClock() {
        return new FakeClock();
    }

    @RestController
    static class Hello {
        @GetMapping("/api/hello")
        String hello() {
            return "hello";
        }

        @GetMapping("/api/fail")
        ResponseEntity<String> fail() {
            return ResponseEntity.status(503).body("down");
        }

        @RateLimited(key = "header:X-API-Key", limits = "2/1m")
        @GetMapping("/api/annotated")
        String annotated() {
            return "annotated";
        }

        @RateLimited(policy = "perKey", name = "reports")
        @GetMapping("/api/reports")
        String reports() {
            return "reports";
        }

        @GetMapping("/health")
        String health() {
            return "up";
        }
    }
}
