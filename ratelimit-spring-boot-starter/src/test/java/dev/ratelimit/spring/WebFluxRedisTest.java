package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.testservers.RedisProcess;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@code ratelimit.store=redis} with the application's Jedis bean, on WebFlux with BlockHound: decisions are made in
 * a real redis-server on the store's asynchronous path, never blocking the event loop.
 */
@SpringBootTest(classes = {WebFluxApp.class, WebFluxRedisTest.RedisClientBean.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"ratelimit.store=redis", "management.endpoint.health.show-details=always"})
@ActiveProfiles("webflux")
// The pause runs last. Known defect, left open on issue 15: twice in about eight runs of the whole starter suite
// (never in this class alone), the first WebFlux request after redis-server was paused and resumed got no answer
// within the client's 10 s; the cause is not found yet.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebFluxRedisTest {

    private static RedisProcess redis;

    @BeforeAll
    static void start() {
        Blocking.detect();
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @DynamicPropertySource
    static void redisPort(DynamicPropertyRegistry registry) {
        registry.add("test.redis.port", () -> redis.port());
    }

    @TestConfiguration
    static class RedisClientBean {
        @Bean(destroyMethod = "close")
        UnifiedJedis jedis(@Value("${test.redis.port}") int port) {
            return new JedisPooled("127.0.0.1", port);
        }
    }

    @LocalServerPort
    private int port;
    @Autowired
    private RateLimitEngine engine;

    @Test
    @Order(1)
    void theFreePlanIsCountedInRedis() {
        assertThat(engine.store()).isInstanceOf(RedisStore.class);
        Http http = new Http(port);
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = http.get("/api/hello", "X-API-Key", "free-key");
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(3 - i));
        }
        HttpResponse<String> denied = http.get("/api/hello", "X-API-Key", "free-key");
        assertThat(denied.statusCode()).isEqualTo(429);
        // Redis TIME drives the store: 20 s per permit, less what has passed since the first request.
        assertThat(Integer.parseInt(denied.headers().firstValue("Retry-After").orElseThrow())).isBetween(15, 20);
        assertThat(denied.body()).contains("\"policy\":\"perKey\"");
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            assertThat(jedis.dbSize()).isEqualTo(2);   // the global bucket and the free key's
        }
    }

    @Test
    @Order(2)
    void theStoresHealthFollowsRedis() {
        Http http = new Http(port);
        assertThat(storeHealth(http.get("/actuator/health").body())).isEqualTo("UP");
        redis.pause();
        try {
            HttpResponse<String> down = http.get("/actuator/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(storeHealth(down.body())).isEqualTo("DOWN");
        } finally {
            redis.resume();
        }
        assertThat(storeHealth(http.get("/actuator/health").body())).isEqualTo("UP");
    }

    private static String storeHealth(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"rateLimitStore\":\\{.*?\"status\":\"([A-Z]+)\"")
                .matcher(body);
        assertThat(m.find()).as(body).isTrue();
        return m.group(1);
    }
}
