package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Plan;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Plans over real HTTP: an API key's plan chooses its limits; unknown and missing keys follow the configuration. */
class PlansHttpTest {

    private final FakeClock clock = new FakeClock();

    private static Plans.Builder basicAndPremium() {
        return Plans.builder()
                .plan(Plan.of("basic", Limit.parse("100/1s"), Limit.parse("10000/1d")))
                .plan(Plan.of("premium", Limit.parse("500/1s"), Limit.parse("100000/1d")))
                .assign("key-basic", "basic")
                .assign("key-premium", "premium");
    }

    private static Policy.Builder perKeyFromPlans() {
        return Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limitsFromPlans();
    }

    // Issue 13: a plan with several limits announces one RateLimit-Policy item per limit ("perKey/1s",
    // "perKey/1d") on every response, and RateLimit names the item of the limit that binds.
    @Test
    void eachKeyGetsTheLimitsOfItsPlan() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKeyFromPlans().build())
                .plans(basicAndPremium().build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> basic = server.get("/", "X-API-Key", "key-basic");
            assertThat(header(basic, "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=100;w=1, \"perKey/1d\";q=10000;w=86400");
            assertThat(header(basic, "RateLimit")).isEqualTo("\"perKey/1s\";r=99;t=1");
            HttpResponse<String> premium = server.get("/", "X-API-Key", "key-premium");
            assertThat(header(premium, "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=500;w=1, \"perKey/1d\";q=100000;w=86400");
            assertThat(header(premium, "RateLimit")).isEqualTo("\"perKey/1s\";r=499;t=1");

            for (int i = 1; i < 100; i++) {
                assertThat(server.get("/", "X-API-Key", "key-basic").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> denied = server.get("/", "X-API-Key", "key-basic");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo("1");
            assertThat(denied.body()).contains("\"detail\":\"Policy perKey allows 100 requests per 1s;"
                    + " retry after 1 second.\"");

            // Premium keeps going past basic's 100 in the same second.
            for (int i = 1; i < 101; i++) {
                assertThat(server.get("/", "X-API-Key", "key-premium").statusCode()).isEqualTo(200);
            }
            assertThat(header(server.get("/", "X-API-Key", "key-premium"), "RateLimit"))
                    .isEqualTo("\"perKey/1s\";r=398;t=1");

            // Basic refills at 100/s: after 10 ms one more request.
            clock.advance(Duration.ofMillis(10));
            assertThat(server.get("/", "X-API-Key", "key-basic").statusCode()).isEqualTo(200);
            assertThat(server.get("/", "X-API-Key", "key-basic").statusCode()).isEqualTo(429);
        }
    }

    @Test
    void aPlansDailyLimitDeniesWhenItsPerSecondLimitWouldAllow() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKeyFromPlans().build())
                .plans(Plans.builder().plan(Plan.of("trial", Limit.parse("2/1s"), Limit.parse("3/1d")))
                        .assign("key-trial", "trial").build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-API-Key", "key-trial").statusCode()).isEqualTo(200);
            HttpResponse<String> second = server.get("/", "X-API-Key", "key-trial");
            assertThat(second.statusCode()).isEqualTo(200);
            // Both limits have little left; the per-second one has least and is reported.
            assertThat(header(second, "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=2;w=1, \"perKey/1d\";q=3;w=86400");
            assertThat(header(second, "RateLimit")).isEqualTo("\"perKey/1s\";r=0;t=1");
            clock.advance(Duration.ofSeconds(1));
            HttpResponse<String> third = server.get("/", "X-API-Key", "key-trial");
            assertThat(header(third, "RateLimit-Policy")).isEqualTo("\"perKey/1s\";q=2;w=1, \"perKey/1d\";q=3;w=86400");
            assertThat(header(third, "RateLimit")).startsWith("\"perKey/1d\";r=0;");

            clock.advance(Duration.ofSeconds(1));
            HttpResponse<String> denied = server.get("/", "X-API-Key", "key-trial");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=2;w=1, \"perKey/1d\";q=3;w=86400");
            // A day's 3 permits refill one per 8 h; the first was spent 2 s ago.
            assertThat(header(denied, "Retry-After")).isEqualTo(Long.toString(8 * 3600 - 2));
            assertThat(header(denied, "RateLimit")).isEqualTo("\"perKey/1d\";r=0;t=" + (8 * 3600 - 2));
            assertThat(denied.body()).contains("allows 3 requests per 1d; retry after 28798 seconds.");
        }
    }

    @Test
    void anUnknownKeyGetsTheDefaultPlanWhenOneIsConfigured() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKeyFromPlans().onMissingKey(Policy.MissingKey.ANONYMOUS).build())
                .plans(basicAndPremium().defaultPlan("basic").build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> unknown = server.get("/", "X-API-Key", "key-nobody-issued");
            assertThat(unknown.statusCode()).isEqualTo(200);
            assertThat(header(unknown, "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=100;w=1, \"perKey/1d\";q=10000;w=86400");
            assertThat(header(unknown, "RateLimit")).isEqualTo("\"perKey/1s\";r=99;t=1");
            // Each unknown key has its own bucket on the default plan...
            assertThat(header(server.get("/", "X-API-Key", "key-other"), "RateLimit"))
                    .isEqualTo("\"perKey/1s\";r=99;t=1");
            // ...while requests without a key share one anonymous bucket on it.
            assertThat(header(server.get("/"), "RateLimit")).isEqualTo("\"perKey/1s\";r=99;t=1");
            assertThat(header(server.get("/"), "RateLimit")).isEqualTo("\"perKey/1s\";r=98;t=1");
        }
    }

    @Test
    void anUnknownKeyIsRejectedWith401WithoutADefaultPlanAndSpendsNothing() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("10/1m"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .policy(perKeyFromPlans().build())
                .plans(basicAndPremium().build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            HttpResponse<String> rejected = server.get("/", "X-API-Key", "key-forged");
            assertThat(rejected.statusCode()).isEqualTo(401);
            assertThat(header(rejected, "Content-Type")).startsWith("application/problem+json");
            assertThat(rejected.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Unauthorized\","
                    + "\"status\":401,\"detail\":\"The key of this request (header:X-API-Key) is on no plan, and"
                    + " policy perKey admits no other keys.\",\"policy\":\"perKey\"}");
            assertThat(rejected.headers().firstValue("RateLimit")).isEmpty();
            assertThat(server.get("/").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = server.get("/", "X-API-Key", "key-basic");
            assertThat(ok.statusCode()).isEqualTo(200);
            // The two rejected requests spent nothing on the global policy.
            assertThat(header(ok, "RateLimit")).isEqualTo("\"global\";r=9;t=60, \"perKey/1s\";r=99;t=1");
        }
    }

    @Test
    void aPlanResolverFunctionCanLookKeysUp() throws Exception {
        Map<String, String> accounts = Map.of("acme", "premium");
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(perKeyFromPlans().build())
                .plans(Plans.builder()
                        .plan(Plan.of("basic", Limit.parse("100/1s"), Limit.parse("10000/1d")))
                        .plan(Plan.of("premium", Limit.parse("500/1s"), Limit.parse("100000/1d")))
                        .resolver(accounts::get)
                        .build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(header(server.get("/", "X-API-Key", "acme"), "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=500;w=1, \"perKey/1d\";q=100000;w=86400");
            assertThat(server.get("/", "X-API-Key", "initech").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void plansFromAPropertiesFile(@TempDir Path dir) throws Exception {
        Path config = Files.write(dir.resolve("plans.properties"), List.of(
                "ratelimit.policies=perKey",
                "ratelimit.policy.perKey.key=header:X-API-Key",
                "ratelimit.policy.perKey.plans=true",
                "ratelimit.plan.basic.limits=100/1s,10000/1d",
                "ratelimit.plan.premium.limits=500/1s,100000/1d",
                "ratelimit.planKeys.basic=key-b1,key-b2",
                "ratelimit.planKeys.premium=key-p1",
                "ratelimit.defaultPlan=reject"), StandardCharsets.UTF_8);
        RateLimitFilter filter = RateLimitFilter.builder()
                .configLocation("file:" + config)
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(header(server.get("/", "X-API-Key", "key-b2"), "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=100;w=1, \"perKey/1d\";q=10000;w=86400");
            assertThat(header(server.get("/", "X-API-Key", "key-p1"), "RateLimit-Policy"))
                    .isEqualTo("\"perKey/1s\";q=500;w=1, \"perKey/1d\";q=100000;w=86400");
            assertThat(server.get("/", "X-API-Key", "key-x").statusCode()).isEqualTo(401);
            assertThat(server.get("/").statusCode()).isEqualTo(401);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Algorithm.class)
    void whenOnePolicyDeniesNoOtherPolicyKeepsAPermitSpent(Algorithm algorithm) throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all"))
                        .limits(Limit.parse("5/1m")).algorithm(algorithm).build())
                .policy(Policy.builder("perUser").key(KeyResolver.header("X-User-Id"))
                        .limits(Limit.parse("3/1m")).algorithm(algorithm).build())
                .policy(Policy.builder("perUserRoute").paths("/api/*")
                        .key(KeyResolver.composite(KeyResolver.header("X-User-Id"), KeyResolver.route()))
                        .limits(Limit.parse("1/1m")).algorithm(algorithm).build())
                .timeSource(clock)
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(remaining(server.get("/api/a", "X-User-Id", "u"))).containsExactly(4L, 2L, 0L);
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> denied = server.get("/api/a", "X-User-Id", "u");
                assertThat(denied.statusCode()).isEqualTo(429);
                assertThat(denied.body()).contains("\"violated-policies\":[\"perUserRoute\"]");
                assertThat(remaining(denied)).containsExactly(4L, 2L, 0L);
            }
            // What the store holds, read without spending: the denials cost global and perUser nothing.
            RateLimitEngine enforcer = filter.engine();
            assertThat(enforcer.limiter("global", null).peek("all").remaining()).isEqualTo(4);
            assertThat(enforcer.limiter("perUser", null).peek("u").remaining()).isEqualTo(2);

            assertThat(remaining(server.get("/api/b", "X-User-Id", "u"))).containsExactly(3L, 1L, 0L);
            assertThat(remaining(server.get("/api/c", "X-User-Id", "u"))).containsExactly(2L, 0L, 0L);
            // perUser denies in the middle: global is given back, perUserRoute for /api/d is never asked.
            HttpResponse<String> middle = server.get("/api/d", "X-User-Id", "u");
            assertThat(middle.statusCode()).isEqualTo(429);
            assertThat(middle.body()).contains("\"violated-policies\":[\"perUser\"]");
            assertThat(remaining(middle)).containsExactly(2L, 0L);
            assertThat(enforcer.limiter("global", null).peek("all").remaining()).isEqualTo(2);
            assertThat(enforcer.limiter("perUserRoute", null).peek("u|/api/d").remaining()).isEqualTo(1);
            // "/api/*" matches one segment only.
            assertThat(remaining(server.get("/api/x/y", "X-User-Id", "v"))).containsExactly(1L, 2L);
        }
    }

    /** The r= values of the RateLimit header, in policy order. */
    static List<Long> remaining(HttpResponse<String> response) {
        return java.util.Arrays.stream(header(response, "RateLimit").split(", "))
                .map(item -> item.replaceAll(".*;r=(\\d+).*", "$1"))
                .map(Long::valueOf)
                .toList();
    }
}
