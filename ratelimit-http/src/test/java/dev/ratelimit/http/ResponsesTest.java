package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.testkit.FailingStore;
import dev.ratelimit.testkit.FakeClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The response values: rate-limit headers (draft-10 and legacy), {@code Retry-After} and the problem bodies. */
class ResponsesTest {

    private final FakeClock clock = new FakeClock();

    private static TestRequest withKey(String key) {
        return TestRequest.get("/").header("X-API-Key", key);
    }

    private static Policy.Builder perKey() {
        return Policy.builder("perKey").key(KeyResolver.header("X-API-Key"));
    }

    private static String value(List<HttpHeader> headers, String name) {
        return headers.stream().filter(h -> h.name().equals(name)).map(HttpHeader::value).findFirst().orElse(null);
    }

    @Test
    void anAllowedRequestGetsOneRateLimitItemPerPolicyAndOnePolicyItemPerLimit() {
        RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock)
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("100/1s"))
                        .build())
                .policy(perKey().limits(Limit.parse("3/2s"), Limit.parse("5/1m")).build())
                .build();
        List<HttpHeader> headers = engine.evaluate(withKey("k")).responseHeaders();
        assertThat(headers).extracting(HttpHeader::name).containsExactly("RateLimit-Policy", "RateLimit",
                "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");
        assertThat(value(headers, "RateLimit-Policy"))
                .isEqualTo("\"global\";q=100;w=1, \"perKey/2s\";q=3;w=2, \"perKey/1m\";q=5;w=60");
        assertThat(value(headers, "RateLimit")).isEqualTo("\"global\";r=99;t=1, \"perKey/2s\";r=2;t=1");
        // The legacy headers describe the policy with the fewest permits left.
        assertThat(value(headers, "X-RateLimit-Limit")).isEqualTo("3");
        assertThat(value(headers, "X-RateLimit-Remaining")).isEqualTo("2");
    }

    @Test
    void aDeniedRequestGets429WithRetryAfterAndAQuotaExceededProblem() {
        RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).legacyHeaders(false)
                .policy(perKey().limits(Limit.parse("2/1m")).cost(2).build()).build();
        engine.evaluate(withKey("k"));
        clock.advance(Duration.ofSeconds(1));
        ResponseValues denied = engine.evaluate(withKey("k")).rejection();
        assertThat(denied.status()).isEqualTo(429);
        assertThat(denied.contentType()).isEqualTo("application/problem+json");
        assertThat(denied.header("Retry-After")).isEqualTo("59");
        assertThat(denied.header("X-RateLimit-Remaining")).as("legacy headers off").isNull();
        assertThat(denied.header("RateLimit")).isEqualTo("\"perKey\";r=0;t=59");
        assertThat(denied.body()).isEqualTo(
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Policy perKey allows 2 requests per 1m"
                + " (this request costs 2); retry after 59 seconds.\",\"policy\":\"perKey\",\"retryAfter\":59,"
                + "\"violated-policies\":[\"perKey\"]}");
    }

    @Test
    void aStoreThatFailsClosedGetsRetryAfterOnlyAndNoInventedState() {
        RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).store(FailingStore.create())
                .failurePolicy(FailurePolicy.deny()).policy(perKey().limits(Limit.parse("5/1m")).build()).build();
        ResponseValues denied = engine.evaluate(withKey("k")).rejection();
        assertThat(denied.headers()).extracting(HttpHeader::name).containsExactly("Retry-After");
        assertThat(denied.body()).contains("\"type\":\"about:blank\"").contains("store is unavailable");
        RateLimitEngine open = RateLimitEngine.builder().timeSource(clock).store(FailingStore.create())
                .policy(perKey().limits(Limit.parse("5/1m")).build()).build();
        Evaluation allowed = open.evaluate(withKey("k"));
        assertThat(allowed.proceed()).isTrue();
        assertThat(allowed.responseHeaders()).as("state unknown: no headers").isEmpty();
    }

    @Test
    void shadowPoliciesAreLeftOutOfTheHeadersUnlessAskedFor() {
        Policy shadow = Policy.builder("observe").key(KeyResolver.constant("o")).limits(Limit.parse("9/1m"))
                .shadow(true).build();
        Policy enforced = perKey().limits(Limit.parse("5/1m")).build();
        List<HttpHeader> hidden = RateLimitEngine.builder().timeSource(clock).policy(shadow).policy(enforced).build()
                .evaluate(withKey("k")).responseHeaders();
        assertThat(value(hidden, "RateLimit")).isEqualTo("\"perKey\";r=4;t=12");
        List<HttpHeader> shown = RateLimitEngine.builder().timeSource(clock).policy(shadow).policy(enforced)
                .shadowHeaders(true).build().evaluate(withKey("k")).responseHeaders();
        assertThat(value(shown, "RateLimit")).isEqualTo("\"observe\";r=8;t=7, \"perKey\";r=4;t=12");
    }

    @Test
    void a401NamesThePolicyAndTheHeaderToSend() {
        RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock)
                .policy(Policy.builder("perUser").key(KeyResolver.composite(KeyResolver.header("X-User"),
                        KeyResolver.route())).limits(Limit.parse("5/1m")).build())
                .build();
        ResponseValues missing = engine.evaluate(TestRequest.get("/x")).rejection();
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).isEqualTo("ApiKey realm=\"perUser\", header=\"X-User\"");
        assertThat(missing.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,"
                + "\"detail\":\"Policy perUser identifies clients by composite:header:X-User+route, and this request"
                + " has no such key.\",\"policy\":\"perUser\"}");
    }

    @Test
    void jsonTextIsEscaped() {
        assertThat(Responses.json("a\"b\\c\n\u0001")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\"");
    }
}
