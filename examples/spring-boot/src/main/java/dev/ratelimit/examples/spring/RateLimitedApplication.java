package dev.ratelimit.examples.spring;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * A Spring Boot app whose {@code /api/**} is rate limited per client IP and per API key plan, configured in
 * {@code application.yml} alone by ratelimit-spring-boot-starter: no rate-limit code here.
 *
 * <p>The one bean is the application's Redis client, which any app that uses Redis has; with
 * {@code ratelimit.store=redis} the starter counts the limits through it.
 *
 * <p>Run: {@code mvn -q -pl examples/spring-boot -am compile exec:java}, then
 * {@code curl -i -H 'X-API-Key: demo-free-key' localhost:8080/api/hello} six times. With Redis:
 * {@code -Dratelimit.store=redis -Dspring.data.redis.host=HOST}.
 */
@SpringBootApplication
@RestController
public class RateLimitedApplication {

    @GetMapping("/api/hello")
    String hello(@RequestHeader("X-API-Key") String apiKey) {
        return "hello, " + apiKey + "\n";
    }

    /**
     * Bounded waits: a stalled Redis costs a request about 3 x the timeout (pool wait, connect, answer), then the
     * failure policy decides. Jedis's defaults wait 2 s per command and forever for a connection.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "ratelimit.store", havingValue = "redis")
    UnifiedJedis jedis(@Value("${spring.data.redis.host}") String host, @Value("${spring.data.redis.port}") int port,
            @Value("${spring.data.redis.timeout}") Duration timeout) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(32);
        pool.setMaxIdle(32);
        pool.setMaxWait(timeout);
        int millis = (int) timeout.toMillis();
        return new JedisPooled(new HostAndPort(host, port),
                DefaultJedisClientConfig.builder().connectionTimeoutMillis(millis).socketTimeoutMillis(millis).build(),
                pool);
    }

    public static void main(String[] args) {
        SpringApplication.run(RateLimitedApplication.class, args);
    }
}
