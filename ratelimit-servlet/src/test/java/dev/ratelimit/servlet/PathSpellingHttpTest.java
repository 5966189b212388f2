package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, bypass by spelling: a method or path a client chooses never escapes a policy, never gets a fresh
 * bucket and never widens an exclusion. Real HTTP to Jetty; the paths are sent as written.
 */
class PathSpellingHttpTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void aHeadRequestCountsAgainstAPolicyOnGet() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("reads").methods("GET").key(KeyResolver.constant("all"))
                        .limits(Limit.parse("2/1m")).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/orders").statusCode()).isEqualTo(200);
            HttpResponse<String> head = server.send("HEAD", "/orders");
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(header(head, "RateLimit")).isEqualTo("\"reads\";r=0;t=60");
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                statuses.add(server.send("HEAD", "/orders").statusCode());
            }
            // HEAD is GET without the body (RFC 9110 9.3.2): the exhausted GET policy denies it too.
            assertThat(statuses).containsOnly(429);
            assertThat(server.get("/orders").statusCode()).isEqualTo(429);
            // A method the policy does not name is not counted.
            assertThat(server.send("POST", "/orders").headers().firstValue("RateLimit")).isEmpty();
        }
    }

    @Test
    void aTrailingOrDoubledSlashGetsNoFreshRouteBucketAndEscapesNoPolicy() throws Exception {
        RecordingListener events = new RecordingListener();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perRoute").paths("/api/orders", "/api/users/*")
                        .key(KeyResolver.route()).limits(Limit.parse("1/1m")).build())
                .timeSource(clock)
                .listener(events)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/api/orders").statusCode()).isEqualTo(200);
            HttpResponse<String> trailing = server.get("/api/orders/");
            assertThat(trailing.statusCode()).isEqualTo(429);
            assertThat(header(trailing, "RateLimit")).startsWith("\"perRoute\";r=0;");
            assertThat(server.get("/api/orders/.").statusCode()).isEqualTo(429);
            // Jetty refuses an empty segment outright (400); should a container pass one on, it is the same route.
            for (String spelling : List.of("/api//orders", "/api/orders//", "//api/orders")) {
                assertThat(server.get(spelling).statusCode()).as(spelling).isIn(400, 429);
            }
            assertThat(server.get("/api/users/7").statusCode()).isEqualTo(200);
            assertThat(server.get("/api/users/7/").statusCode()).isEqualTo(429);
            assertThat(events.events).containsExactly("allowed http:perRoute /api/orders",
                    "denied http:perRoute /api/orders", "denied http:perRoute /api/orders", "allowed http:perRoute /api/users/7", "denied http:perRoute /api/users/7");
        }
    }

    @Test
    void anExclusionExemptsOnlyThePathsItNamesAndNoOtherSpelling() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("all").key(KeyResolver.constant("all")).limits(Limit.parse("1000/1m")).build())
                .exclude("/health", "/status/", "/metrics/**")
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            for (String excluded : List.of("/health", "/status/", "/metrics", "/metrics/", "/metrics/jvm")) {
                HttpResponse<String> r = server.get(excluded);
                assertThat(r.statusCode()).as(excluded).isEqualTo(200);
                assertThat(r.headers().firstValue("RateLimit")).as(excluded).isEmpty();
            }
            // Another spelling of an excluded path may reach another resource, so it is limited like any path.
            for (String limited : List.of("/health/", "/health/.", "/x/../health/", "/health/x", "/status",
                    "/healthz")) {
                HttpResponse<String> r = server.get(limited);
                assertThat(r.statusCode()).as(limited).isEqualTo(200);
                assertThat(r.headers().firstValue("RateLimit")).as(limited + " is limited").isPresent();
            }
            // Jetty refuses empty segments outright; should a container pass one on, it is not excluded either.
            for (String refused : List.of("/health//", "//health")) {
                assertThat(server.get(refused).statusCode()).as(refused).isEqualTo(400);
            }
        }
    }
}
