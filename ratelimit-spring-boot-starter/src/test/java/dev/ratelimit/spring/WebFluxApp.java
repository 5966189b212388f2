package dev.ratelimit.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/** A WebFlux application with no rate-limit code: everything comes from application-webflux.yml. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(WebFluxApp.Hello.class)
class WebFluxApp {

    @RestController
    static class Hello {
        @GetMapping("/api/hello")
        Mono<String> hello() {
            return Mono.just("hello");
        }

        @GetMapping("/api/fail")
        Mono<String> fail() {
            return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "down"));
        }

        @RateLimited(key = "header:X-API-Key", limits = "2/1m")
        @GetMapping("/api/annotated")
        Mono<String> annotated() {
            return Mono.just("annotated");
        }

        @GetMapping("/health")
        Mono<String> health() {
            return Mono.just("up");
        }
    }
}
