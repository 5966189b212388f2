package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.testservers.RedisProcess;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    /**
     * Regression test for the WebFlux request that got no answer (issue 15): reactor-netty up to 1.3.7 stopped
     * reading a keep-alive connection when a request that had arrived while the previous response was still being
     * completed (so it was queued) was then answered synchronously on the event loop (reactor/reactor-netty#4361,
     * fixed in 1.3.8). Here the first request is decided in Redis by the global policy (the filter continues on
     * Reactor's parallel scheduler when the store answers, and the health check runs on another thread again), the
     * second, queued behind it, is excluded and answered at once, and the third must still be read. The two
     * requests go in one write, as a pipelining client sends them; the JDK client reached the same state by chance,
     * sending its next request as soon as a response's body was complete. On reactor-netty 1.3.6 this fails every
     * time; the suite's rare 10 s hang after the Redis pause was this.
     */
    @Test
    void aConnectionKeepsReadingAfterAQueuedRequestIsAnsweredAtOnce() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String decided = "GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n\r\n";
            String excluded = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
            out.write((decided + excluded).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.read(in)).startsWith("HTTP/1.1 200").contains("\"status\":\"UP\"");
            assertThat(RawHttp.read(in)).startsWith("HTTP/1.1 200").contains("up");
            out.write(excluded.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.read(in)).as("the third request on the connection").startsWith("HTTP/1.1 200")
                    .contains("up");
        }
    }

    private static String storeHealth(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"rateLimitStore\":\\{.*?\"status\":\"([A-Z]+)\"")
                .matcher(body);
        assertThat(m.find()).as(body).isTrue();
        return m.group(1);
    }
}
