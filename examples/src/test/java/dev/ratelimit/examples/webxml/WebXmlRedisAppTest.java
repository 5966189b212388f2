package dev.ratelimit.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testservers.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    /**
     * Issue 13: a Redis that stops answering (SIGSTOP: its sockets stay open, nothing is read) must cost each
     * request a bounded time, not Jedis's defaults (2 s per command, an unbounded wait for a pooled connection). The
     * shipped factory's {@code redis.timeout} (250ms in the example's file) bounds the pool wait, the connect and
     * each answer; the example's failure policy then lets the request through. 40 concurrent requests during the
     * stall all answer within the bound, and the store is used again once Redis resumes.
     */
    @Test
    void aStalledRedisCostsEachOf40ConcurrentRequestsABoundedTime() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (RedisProcess redis = RedisProcess.start()) {
            System.setProperty("redis.host", "127.0.0.1");
            System.setProperty("redis.port", Integer.toString(redis.port()));
            try (WebXmlApp app = WebXmlApp.start(WebXmlApp.REDIS, "127.0.0.1", 0)) {
                URI uri = URI.create("http://127.0.0.1:" + app.port() + "/api/hello");
                HttpResponse<String> before = client.send(HttpRequest.newBuilder(uri).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(before.headers().firstValue("RateLimit")).isPresent();

                redis.pause();
                List<Long> millis;
                List<HttpResponse<String>> responses = new ArrayList<>();
                try {
                    List<CompletableFuture<Long>> timings = new ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                        long start = System.nanoTime();
                        timings.add(client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                                .GET().build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
                                    synchronized (responses) {
                                        responses.add(r);
                                    }
                                    return (System.nanoTime() - start) / 1_000_000;
                                }));
                    }
                    millis = new ArrayList<>();
                    for (CompletableFuture<Long> timing : timings) {
                        millis.add(timing.get(60, TimeUnit.SECONDS));
                    }
                } finally {
                    redis.resume();
                }
                Collections.sort(millis);
                System.out.println("40 concurrent requests during a Redis stall, ms: min " + millis.get(0)
                        + ", median " + millis.get(20) + ", max " + millis.get(39));
                // failurePolicy=allow: answered, and without RateLimit headers, the state being unknown.
                assertThat(responses).hasSize(40).allSatisfy(r -> {
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("RateLimit")).isEmpty();
                });
                // At most about 3 x redis.timeout (pool wait, connect, answer), plus scheduling slack on a busy box.
                assertThat(millis.get(39)).isLessThan(2_000);

                HttpResponse<String> after = client.send(HttpRequest.newBuilder(uri).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(after.headers().firstValue("RateLimit")).isPresent();
            } finally {
                System.clearProperty("redis.host");
                System.clearProperty("redis.port");
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
