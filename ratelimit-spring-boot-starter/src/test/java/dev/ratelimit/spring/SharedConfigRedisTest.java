package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.config.ConfigPublisher;
import dev.ratelimit.config.RedisSharedConfig;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.RedisProcess;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@code ratelimit.config=redis}: the application (Spring MVC on Tomcat) takes its policies from a hash in a real
 * redis-server through its own Jedis bean, follows a publish live, and keeps the last good configuration when a bad
 * one is written, reporting it in {@code /actuator/ratelimit} and the meters.
 */
@SpringBootTest(classes = {MvcApp.class, SharedConfigRedisTest.RedisClientBean.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"ratelimit.config=redis", "management.endpoints.web.exposure.include=ratelimit,metrics"})
@DirtiesContext
class SharedConfigRedisTest {

    private static final String KEY = "ratelimit:config";

    private static RedisProcess redis;
    private static JedisPooled operator;

    static String config(String perKeyLimits) {
        return """
                ratelimit.policies=perKey
                ratelimit.policy.perKey.key=header:X-API-Key
                ratelimit.policy.perKey.paths=/api/**
                ratelimit.policy.perKey.limits=%s
                """.formatted(perKeyLimits);
    }

    @BeforeAll
    static void publishTheFirstVersion() {
        redis = RedisProcess.start();
        operator = new JedisPooled("127.0.0.1", redis.port());
        new ConfigPublisher(RedisSharedConfig.builder(operator).build()).publish(config("2/1m"), 0);
    }

    @AfterAll
    static void stop() {
        operator.close();
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
    @Autowired
    private FakeClock clock;
    @Autowired
    private MeterRegistry registry;

    @Test
    void followsAPublishAndKeepsTheLastGoodConfigurationWhenABadOneIsWritten() {
        Http http = new Http(port);
        assertAllowedThenDenied(http, "key-a", 2);
        String status = http.get("/actuator/ratelimit").body();
        assertThat(status).contains("\"source\":\"redis key ratelimit:config\"").contains("\"version\":\"1\"")
                .contains("\"appliedAt\":\"" + clock.now() + "\"").contains("\"rejected\":0")
                .contains("\"lastError\":null").contains("\"limits\":[\"2/1m\"]");
        assertThat(registry.get("ratelimit.config.version").tag("source", "redis key ratelimit:config").gauge()
                .value()).isEqualTo(1.0);

        // An operator publishes a new limit: the instance has it by push, within a second.
        clock.advance(Duration.ofMinutes(5));
        long published = System.nanoTime();
        new ConfigPublisher(RedisSharedConfig.builder(operator).build()).publish(config("4/1m"), 1);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> engine.configStatus().version().equals("2"));
        long inForceMillis = (System.nanoTime() - published) / 1_000_000;
        assertThat(inForceMillis).as("publish to in force, ms").isLessThan(1000);
        System.out.println("SharedConfigRedisTest: a publish was in force " + inForceMillis + " ms after it");
        assertAllowedThenDenied(http, "key-b", 4);
        assertThat(http.get("/actuator/ratelimit").body()).contains("\"version\":\"2\"")
                .contains("\"appliedAt\":\"" + clock.now() + "\"").contains("\"limits\":[\"4/1m\"]");

        // A bad text written past the publisher's validation (redis-cli HSET, an old tool): refused, reported, and
        // the last good configuration stays in force.
        RedisSharedConfig.builder(operator).build().compareAndSet(2, config("4 per minute"));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> engine.configStatus().rejected() == 1);
        ConfigStatus rejected = engine.configStatus();
        assertThat(rejected.version()).isEqualTo("2");
        assertThat(rejected.lastError()).contains("redis key ratelimit:config")
                .contains("ratelimit.policy.perKey.limits").contains("4 per minute");
        assertAllowedThenDenied(http, "key-c", 4);
        String reported = http.get("/actuator/ratelimit").body();
        assertThat(reported).contains("\"version\":\"2\"").contains("\"rejected\":1")
                .contains("ratelimit.policy.perKey.limits").contains("\"limits\":[\"4/1m\"]");
        assertThat(registry.get("ratelimit.config.errors").tag("reason", "rejected").functionCounter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("ratelimit.config.version").gauge().value()).isEqualTo(2.0);
        assertThat(http.get("/actuator/metrics/ratelimit.config.errors?tag=reason:rejected").body())
                .contains("\"value\":1.0");

        // The operator fixes it: version 4 is in force, and the error is cleared.
        new ConfigPublisher(RedisSharedConfig.builder(operator).build()).publish(config("1/1m"), 3);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> engine.configStatus().version().equals("4"));
        assertThat(engine.configStatus().lastError()).isNull();
        assertThat(engine.configStatus().rejected()).isEqualTo(1);
        assertAllowedThenDenied(http, "key-d", 1);
    }

    static void assertAllowedThenDenied(Http http, String key, int allowed) {
        for (int i = 1; i <= allowed; i++) {
            HttpResponse<String> ok = http.get("/api/hello", "X-API-Key", key);
            assertThat(ok.statusCode()).as("%s request %d", key, i).isEqualTo(200);
        }
        HttpResponse<String> denied = http.get("/api/hello", "X-API-Key", key);
        assertThat(denied.statusCode()).as("%s request %d", key, allowed + 1).isEqualTo(429);
    }
}
