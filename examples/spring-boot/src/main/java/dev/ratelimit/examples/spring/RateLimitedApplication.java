package dev.ratelimit.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot app whose {@code /api/**} is rate limited per client IP and per API key plan; see
 * {@link RateLimitConfiguration}.
 *
 * <p>Run: {@code mvn -q -pl examples/spring-boot -am compile exec:java}, then
 * {@code curl -i -H 'X-API-Key: demo-free-key' localhost:8080/api/hello} six times. With Redis:
 * {@code -Dapp.ratelimit.store=redis -Dapp.ratelimit.redis.host=HOST}.
 */
@SpringBootApplication
@RestController
public class RateLimitedApplication {

    @GetMapping("/api/hello")
    String hello(@RequestHeader("X-API-Key") String apiKey) {
        return "hello, " + apiKey + "\n";
    }

    public static void main(String[] args) {
        SpringApplication.run(RateLimitedApplication.class, args);
    }
}
