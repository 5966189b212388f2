package dev.ratelimit.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.config.ConfigPublisher;
import dev.ratelimit.config.RedisSharedConfig;
import dev.ratelimit.testservers.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** The example as the README runs it: two gateway instances on one real redis-server, the limits changed live. */
class GatewayAppTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> get(GatewayApp app, String path, String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(5));
        if (user != null) {
            request.header("X-User", user);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoInstancesFollowALimitChangedInRedis() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                JedisPooled jedis = new JedisPooled(URI.create("redis://127.0.0.1:" + redis.port()), 2_000)) {
            URI uri = URI.create("redis://127.0.0.1:" + redis.port());
            try (GatewayApp a = GatewayApp.start(uri, 0); GatewayApp b = GatewayApp.start(uri, 0)) {
                assertThat(get(a, "/health", null).body()).contains("config redis key ratelimit:config version 1");
                assertThat(get(b, "/api/orders", "carol").statusCode()).isEqualTo(200);
                assertThat(get(b, "/api/orders", null).statusCode()).as("no X-User").isEqualTo(401);

                // An operator tightens the per-user-per-API bucket to 1 per hour.
                ConfigPublisher publisher = new ConfigPublisher(RedisSharedConfig.builder(jedis).build());
                publisher.publish(GatewayApp.defaults().replace("perUserApi.limits=4/1s burst 4",
                        "perUserApi.limits=1/1h burst 1"), 1);
                await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(5))
                        .until(() -> get(a, "/health", null).body().contains("version 2")
                                && get(b, "/health", null).body().contains("version 2"));

                assertThat(get(a, "/api/search", "dana").statusCode()).isEqualTo(200);
                HttpResponse<String> denied = get(b, "/api/search", "dana");
                assertThat(denied.statusCode()).as("the other instance shares state and the new limit").isEqualTo(429);
                assertThat(denied.headers().firstValue("RateLimit-Policy").orElseThrow()).contains("perUserApi");
                assertThat(get(b, "/api/orders", "dana").statusCode()).as("another API").isEqualTo(200);
            }
        }
    }
}
