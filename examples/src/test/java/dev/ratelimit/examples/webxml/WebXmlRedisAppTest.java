package dev.ratelimit.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testservers.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Two instances of the web.xml app whose store comes from {@link RedisStoreFactory}, on one redis-server the test
 * starts: they share each client's limit. Redis decides on its own clock ({@code TIME}), so only the wait is
 * checked against the time the test measured.
 */
class WebXmlRedisAppTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void twoInstancesShareTheLimitThroughRedis() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            System.setProperty("redis.host", "127.0.0.1");
            System.setProperty("redis.port", Integer.toString(redis.port()));
            try (WebXmlApp first = WebXmlApp.start(WebXmlApp.REDIS, "127.0.0.1", 0);
                    WebXmlApp second = WebXmlApp.start(WebXmlApp.REDIS, "127.0.0.1", 0)) {
                long start = System.nanoTime();
                for (int i = 1; i <= 5; i++) {
                    HttpResponse<String> ok = get(i % 2 == 0 ? second : first, "/api/hello");
                    assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
                    assertThat(header(ok, "RateLimit-Policy")).isEqualTo("\"perIp\";q=5;w=60");
                    assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo(Integer.toString(5 - i));
                }
                HttpResponse<String> denied = get(second, "/api/hello");
                long elapsedSeconds = (System.nanoTime() - start) / 1_000_000_000L;
                assertThat(denied.statusCode()).isEqualTo(429);
                int retryAfter = Integer.parseInt(header(denied, "Retry-After"));
                assertThat(retryAfter).isBetween((int) (12 - elapsedSeconds - 1), 12).isPositive();
                assertThat(header(denied, "RateLimit")).isEqualTo("\"perIp\";r=0;t=" + retryAfter);
                assertThat(get(first, "/api/hello").statusCode()).isEqualTo(429);
            } finally {
                System.clearProperty("redis.host");
                System.clearProperty("redis.port");
            }
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                assertThat(jedis.dbSize()).as("one Redis key for 127.0.0.1 under perIp").isEqualTo(1);
            }
        }
    }

    private static HttpResponse<String> get(WebXmlApp app, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name)
                .orElseThrow(() -> new AssertionError("no " + name + " header in " + response.headers().map()));
    }
}
