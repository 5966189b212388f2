package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.http.ResponseValues;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A filter given a rejection hook sends the hook's answer, with the engine's headers kept if the hook keeps them. */
class RejectionHookHttpTest {

    @Test
    void theHookReplacesTheBodyOfA429AndSeesTheRequest() throws Exception {
        RateLimitEngine engine = RateLimitEngine.builder().timeSource(new FakeClock())
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .build())
                .build();
        RateLimitFilter filter = new RateLimitFilter(engine, (request, answer) -> new ResponseValues(answer.status(),
                answer.headers(), "application/json", "{\"error\":\"" + answer.status() + " on " + request.path()
                        + "\"}"));
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/a", "X-API-Key", "k").statusCode()).isEqualTo(200);
            HttpResponse<String> denied = server.get("/a", "X-API-Key", "k");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.body()).isEqualTo("{\"error\":\"429 on /a\"}");
            assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(denied.headers().firstValue("Retry-After")).hasValue("60");
            assertThat(server.get("/a").body()).isEqualTo("{\"error\":\"401 on /a\"}");
        }
    }
}
