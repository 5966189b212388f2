package dev.ratelimit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testservers.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.clients.jedis.Jedis;

/**
 * The app with {@code ratelimit.store=redis}, pointing at a redis-server this test starts. The store reads
 * Redis {@code TIME}, as in production, so the one time-dependent value (the wait) is checked against the time
 * the test measured.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "ratelimit.store=redis")
@AutoConfigureTestRestTemplate
class RedisRateLimitTest {

    private static RedisProcess redis;

    @DynamicPropertySource
    static void redisProperties(DynamicPropertyRegistry registry) throws Exception {
        redis = RedisProcess.start();
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", redis::port);
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Autowired
    private TestRestTemplate http;
    @Autowired
    private RateLimitStore store;

    @Test
    void theFreePlanIsCountedInRedis() {
        assertThat(store).isInstanceOf(RedisStore.class);
        long start = System.nanoTime();
        for (int i = 1; i <= 5; i++) {
            ResponseEntity<String> ok = get("demo-free-key");
            assertThat(ok.getStatusCode().value()).as("request %d", i).isEqualTo(200);
            assertThat(ok.getHeaders().getFirst("RateLimit-Policy"))
                    .isEqualTo("\"perIp\";q=100;w=60, \"perKey\";q=5;w=60");
            assertThat(ok.getHeaders().getFirst("X-RateLimit-Limit")).isEqualTo("5");
            assertThat(ok.getHeaders().getFirst("X-RateLimit-Remaining")).isEqualTo(Integer.toString(5 - i));
        }
        ResponseEntity<String> denied = get("demo-free-key");
        long elapsedSeconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertThat(denied.getStatusCode().value()).isEqualTo(429);
        int retryAfter = Integer.parseInt(denied.getHeaders().getFirst("Retry-After"));
        assertThat(retryAfter).isBetween((int) (12 - elapsedSeconds - 1), 12).isPositive();
        assertThat(denied.getHeaders().getFirst("RateLimit")).endsWith("\"perKey\";r=0;t=" + retryAfter);
        assertThat(denied.getBody()).contains("\"policy\":\"perKey\"");

        // The state is in Redis: one key per policy bucket (perIp for 127.0.0.1, perKey for the free key).
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            assertThat(jedis.dbSize()).isEqualTo(2);
        }
    }

    private ResponseEntity<String> get(String apiKey) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-API-Key", apiKey);
        return http.exchange("/api/hello", HttpMethod.GET, new HttpEntity<>(headers), String.class);
    }
}
