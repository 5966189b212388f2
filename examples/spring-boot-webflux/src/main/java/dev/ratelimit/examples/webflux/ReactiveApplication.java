package dev.ratelimit.examples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A WebFlux app on Netty whose {@code /api/**} is rate limited per client IP and per API key plan, configured in
 * {@code application.yml} alone by ratelimit-spring-boot-starter: the starter puts a {@code WebFilter} in front of
 * the handlers that asks the store without blocking the event loop.
 *
 * <p>Run: {@code mvn -q -pl examples/spring-boot-webflux -am compile exec:java}, then
 * {@code curl -i -H 'X-API-Key: demo-free-key' localhost:8080/api/hello} six times.
 */
@SpringBootApplication
@RestController
public class ReactiveApplication {

    @GetMapping("/api/hello")
    Mono<String> hello(@RequestHeader("X-API-Key") String apiKey) {
        return Mono.just("hello, " + apiKey + "\n");
    }

    @GetMapping("/health")
    Mono<String> health() {
        return Mono.just("up\n");
    }

    public static void main(String[] args) {
        SpringApplication.run(ReactiveApplication.class, args);
    }
}
