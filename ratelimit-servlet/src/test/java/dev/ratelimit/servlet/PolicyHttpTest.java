package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.PlansHttpTest.remaining;
import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Request matching, cost, and correctness under concurrent requests, over real HTTP. */
class PolicyHttpTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void anExpensiveEndpointCostsMorePermitsPerRequest() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("search").paths("/search/**").key(KeyResolver.header("X-API-Key"))
                        .limits(Limit.parse("12/1m")).algorithm(Algorithm.FIXED_WINDOW).cost(5).build())
                .policy(Policy.builder("reads").paths("/items/*", "/files/*.json").methods("GET", "HEAD")
                        .key(KeyResolver.header("X-API-Key")).limits(Limit.parse("2/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/search/q", "X-API-Key", "k"))).containsExactly(7L);
            assertThat(remaining(server.get("/search/q", "X-API-Key", "k"))).containsExactly(2L);
            HttpResponse<String> denied = server.get("/search/q", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.body()).contains("\"detail\":\"Policy search allows 12 requests per 1m (this request"
                    + " costs 5); retry after 60 seconds.\"");

            // * is one segment, *.json one segment ending in .json; methods other than GET and HEAD pass.
            assertThat(header(server.get("/items/1", "X-API-Key", "k"), "RateLimit-Policy"))
                    .isEqualTo("\"reads\";q=2;w=60");
            assertThat(server.get("/items/1/parts", "X-API-Key", "k").headers().firstValue("RateLimit")).isEmpty();
            assertThat(remaining(server.get("/files/a.json", "X-API-Key", "k"))).containsExactly(0L);
            assertThat(server.get("/files/a.xml", "X-API-Key", "k").headers().firstValue("RateLimit")).isEmpty();
            assertThat(server.send("PUT", "/items/1", "X-API-Key", "k").statusCode()).isEqualTo(200);
            assertThat(server.get("/items/2", "X-API-Key", "k").statusCode()).isEqualTo(429);
        }
    }

    @Test
    void aCostNoLimitCanHoldIsRefusedWhenThePolicyIsBuilt() {
        assertThatThrownBy(() -> Policy.builder("p").key(KeyResolver.constant("all")).limits(Limit.parse("3/1s"))
                .cost(4).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("costs 4 permits per request, more than the limit 3/1s");
    }

    @Test
    void concurrentRequestsAreAdmittedExactlyUpToTheLimitAndDeniedOnesKeepNothingSpent() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1000/1h"))
                        .build())
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("20/1h"))
                        .build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                futures.add(server.getAsync("/", "X-API-Key", "k"));
            }
            int allowed = 0;
            int denied = 0;
            for (CompletableFuture<HttpResponse<String>> f : futures) {
                int status = f.get().statusCode();
                if (status == 200) {
                    allowed++;
                } else if (status == 429) {
                    denied++;
                }
            }
            assertThat(allowed).isEqualTo(20);
            assertThat(denied).isEqualTo(40);
            RateLimitEngine enforcer = filter.engine();
            assertThat(enforcer.limiter("global", null).peek("all").remaining()).isZero();
            // perKey spent on all 60 and was given back 40: exactly the 20 admitted requests remain spent.
            assertThat(enforcer.limiter("perKey", null).peek("k").remaining()).isEqualTo(980);
        }
    }
}
