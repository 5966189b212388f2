package dev.ratelimit.examples;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.examples.webxml.WebXmlApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The quick-start demo: a few limiters on the in-memory store, printing each decision and what an HTTP client
 * would be told. Needs no server.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am compile exec:java}
 */
public final class Demo {

    public static void main(String[] args) throws Exception {
        section("1. Per-user limit: 5 requests per 10 seconds (sliding window)");
        RateLimiter perUser = RateLimiter.builder()
                .limit(Limit.parse("5/10s"))
                .algorithm(Algorithm.SLIDING_WINDOW)
                .namespace("per-user")
                .build();
        for (int i = 1; i <= 7; i++) {
            show("alice", i, perUser.tryAcquire("alice"));
        }
        show("bob", 1, perUser.tryAcquire("bob"));

        section("2. Usage plan for a basic API key: 3/s and 10,000/day, both must allow (token bucket)");
        RateLimiter basicPlan = RateLimiter.builder()
                .limits(Limit.parse("3/s"), Limit.parse("10000/1d"))
                .namespace("plan-basic")
                .build();
        for (int i = 1; i <= 4; i++) {
            show("key-123", i, basicPlan.tryAcquire("key-123"));
        }
        System.out.println("  ... waiting 400 ms: the bucket refills one permit every 333 ms");
        Thread.sleep(400);
        show("key-123", 5, basicPlan.tryAcquire("key-123"));

        section("3. 5 uploads per 24 hours per user (sliding log, exact)");
        RateLimiter uploads = RateLimiter.builder()
                .limit(Limit.parse("5/24h"))
                .algorithm(Algorithm.SLIDING_LOG)
                .namespace("uploads")
                .build();
        for (int i = 1; i <= 6; i++) {
            show("carol", i, uploads.tryAcquire("carol"));
        }

        section("4. A request larger than the limit can ever hold is refused at once, not waited for");
        show("carol", 7, uploads.tryAcquire("carol", 6));

        section("5. A batch job pacing itself at 20 calls/s with the blocking acquire");
        RateLimiter pace = RateLimiter.builder().limit(Limit.perSecond(20).withBurst(1)).build();
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            pace.acquire("upstream", 1, Duration.ofSeconds(5));
        }
        System.out.printf("  20 calls took %.2f s (19 gaps of 50 ms = 0.95 s)%n", (System.nanoTime() - start) / 1e9);

        section("6. Over HTTP: the web.xml example app on Jetty, 5 requests per minute per client address");
        try (WebXmlApp app = WebXmlApp.start("127.0.0.1", 0)) {
            HttpClient client = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + app.port() + "/api/hello");
            for (int i = 1; i <= 6; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofString());
                System.out.printf("  GET /api/hello #%d -> %d%n", i, r.statusCode());
                for (String name : new String[] {"RateLimit-Policy", "RateLimit", "Retry-After"}) {
                    r.headers().firstValue(name).ifPresent(v -> System.out.printf("      %s: %s%n", name, v));
                }
            }
        }
        System.out.println();
        System.out.println("Next, each example runs on its own (see examples/README.md):");
        System.out.println("  the web.xml app on :8080     mvn -q -pl examples -am compile exec:java"
                + " -Ddemo.mainClass=dev.ratelimit.examples.webxml.WebXmlApp");
        System.out.println("  the Spring Boot app on :8080 mvn -q -pl examples/spring-boot -am compile exec:java");
    }

    private static void section(String title) {
        System.out.println();
        System.out.println("== " + title);
    }

    private static void show(String key, int request, Decision d) {
        if (d.allowed()) {
            System.out.printf("  %-8s #%d  allowed   remaining=%d  (limit %s)%n", key, request, d.remaining(), d.limit());
        } else if (d.reason() == Decision.Reason.EXCEEDS_CAPACITY) {
            System.out.printf("  %-8s #%d  DENIED    %s: more than %s can ever allow%n", key, request, d.reason(),
                    d.limit());
        } else {
            long retrySeconds = -Math.floorDiv(-d.retryAfterMicros(), 1_000_000);
            System.out.printf("  %-8s #%d  DENIED    HTTP 429, Retry-After: %d  (by %s; exact wait %s)%n", key,
                    request, retrySeconds, d.limit(), d.retryAfter());
        }
    }

    private Demo() {
    }

}
