package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.ViolationLog;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.TrustedProxies;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.micrometer.MicrometerListener;
import dev.ratelimit.spi.RateLimitStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The filter CONFIG.md's Spring Boot snippet builds, built here the same way without Spring, so the snippet is known
 * to compile and to work.
 */
class ConfigDocSnippetHttpTest {

    /** The body of {@code rateLimitFilter(...)} in CONFIG.md. */
    static RateLimitFilter rateLimitFilter(RateLimitStore store, MeterRegistry meters) {
        TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8", "fd00::/8");
        return RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all"))
                        .limits(Limit.parse("2000/1s")).build())
                .policy(Policy.builder("perIp").key(KeyResolver.clientIp(proxies))
                        .limits(Limit.parse("50/1s"), Limit.parse("5000/1h")).build())
                .policy(Policy.builder("perKey").paths("/api/**").key(KeyResolver.header("X-API-Key"))
                        .limitsFromPlans().refundOnStatus("500-599").build())
                .policy(Policy.builder("perUserRoute").paths("/api/**").methods("POST", "PUT", "DELETE")
                        .key(KeyResolver.composite(KeyResolver.principal(), KeyResolver.route()))
                        .limits(Limit.parse("10/1s")).algorithm(Algorithm.SLIDING_WINDOW)
                        .onMissingKey(Policy.MissingKey.ANONYMOUS).shadow(true).build())
                .plans(Plans.builder()
                        .plan(Plan.of("basic", Limit.parse("100/1s"), Limit.parse("10000/1d")))
                        .plan(Plan.of("premium", Limit.parse("500/1s"), Limit.parse("100000/1d")))
                        .resolver(apiKey -> lookUpPlanName(apiKey))   // or .assign("key-1001", "basic")
                        .defaultPlan("basic")
                        .build())
                .exclude("/actuator/health", "/actuator/prometheus")
                .store(store)                                        // RedisStore, DynamoDbStore, ...
                .failurePolicy(FailurePolicy.allow())
                .localDenyCache(10_000)
                .listener(RateLimitListener.composite(MicrometerListener.create(meters), ViolationLog.create()))
                .build();
    }

    private static String lookUpPlanName(String apiKey) {
        return apiKey.startsWith("p-") ? "premium" : null;
    }

    @Test
    void theSpringBootSnippetsFilterWorks() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (InMemoryStore store = InMemoryStore.create();
                TestServer server = TestServer.start(rateLimitFilter(store, meters))) {
            HttpResponse<String> post = server.send("POST", "/api/orders", "X-API-Key", "p-1", "X-Test-User", "ann");
            assertThat(post.statusCode()).isEqualTo(200);
            // Issue 13: one item per limit of each policy; the shadow policy perUserRoute is not shown.
            assertThat(header(post, "RateLimit-Policy")).isEqualTo("\"global\";q=2000;w=1, \"perIp/1s\";q=50;w=1,"
                    + " \"perIp/1h\";q=5000;w=3600, \"perKey/1s\";q=500;w=1, \"perKey/1d\";q=100000;w=86400");
            assertThat(header(server.get("/api/orders", "X-API-Key", "other"), "RateLimit-Policy"))
                    .isEqualTo("\"global\";q=2000;w=1, \"perIp/1s\";q=50;w=1, \"perIp/1h\";q=5000;w=3600,"
                            + " \"perKey/1s\";q=100;w=1, \"perKey/1d\";q=10000;w=86400");
            assertThat(server.get("/actuator/health").headers().firstValue("RateLimit")).isEmpty();
            assertThat(meters.get("ratelimit.decisions").tag("limiter", "http:perKey:premium")
                    .tag("result", "allowed").counter().count()).isEqualTo(1);
        }
    }
}
