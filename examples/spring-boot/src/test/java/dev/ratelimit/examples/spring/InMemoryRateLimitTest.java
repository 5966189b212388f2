package dev.ratelimit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.TimeSource;
import dev.ratelimit.testkit.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

/** The app on a random port with the in-memory store and a fake clock, driven by real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"ratelimit.store=memory", "ratelimit.policy.perIp.limits=8/1m"})
@AutoConfigureTestRestTemplate
class InMemoryRateLimitTest {

    @TestConfiguration
    static class Clock {
        @Bean
        @Primary
        FakeClock fakeClock() {
            return new FakeClock();
        }
    }

    @Autowired
    private TestRestTemplate http;
    @Autowired
    private FakeClock clock;
    @Autowired
    private TimeSource time;

    @Test
    void freeKeyGetsFivePerMinuteThen429AndTheAddressGetsEight() {
        assertThat(time).isSameAs(clock);
        for (int i = 1; i <= 5; i++) {
            ResponseEntity<String> ok = get("demo-free-key");
            assertThat(ok.getStatusCode().value()).as("request %d", i).isEqualTo(200);
            assertThat(ok.getBody()).isEqualTo("hello, demo-free-key\n");
            assertThat(ok.getHeaders().getFirst("RateLimit-Policy"))
                    .isEqualTo("\"perIp\";q=8;w=60, \"perKey\";q=5;w=60");
            // Token buckets: perIp gets a request back every 7.5 s, the free plan every 12 s.
            assertThat(ok.getHeaders().getFirst("RateLimit"))
                    .isEqualTo("\"perIp\";r=" + (8 - i) + ";t=" + (int) Math.ceil(7.5 * i)
                            + ", \"perKey\";r=" + (5 - i) + ";t=" + 12 * i);
            assertThat(ok.getHeaders().getFirst("X-RateLimit-Limit")).isEqualTo("5");
            assertThat(ok.getHeaders().getFirst("X-RateLimit-Remaining")).isEqualTo(Integer.toString(5 - i));
        }

        ResponseEntity<String> denied = get("demo-free-key");
        assertThat(denied.getStatusCode().value()).isEqualTo(429);
        assertThat(denied.getHeaders().getFirst("Retry-After")).isEqualTo("12");
        assertThat(denied.getHeaders().getFirst("RateLimit")).isEqualTo("\"perIp\";r=3;t=38, \"perKey\";r=0;t=12");
        assertThat(denied.getHeaders().getFirst("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(denied.getBody()).contains("\"policy\":\"perKey\"").contains("\"retryAfter\":12");

        // The pro key has room, but this address has spent 5 of its 8 (the denied request was given back).
        for (int i = 1; i <= 3; i++) {
            assertThat(get("demo-pro-key").getStatusCode().value()).isEqualTo(200);
        }
        ResponseEntity<String> perIp = get("demo-pro-key");
        assertThat(perIp.getStatusCode().value()).isEqualTo(429);
        assertThat(perIp.getHeaders().getFirst("Retry-After")).isEqualTo("8");
        assertThat(perIp.getBody()).contains("\"policy\":\"perIp\"");

        // 12 s later the free key has one request again.
        clock.advance(Duration.ofSeconds(12));
        assertThat(get("demo-free-key").getStatusCode().value()).isEqualTo(200);
        assertThat(get("demo-free-key").getStatusCode().value()).isEqualTo(429);
    }

    @Test
    void noKeyAndAKeyOnNoPlanAre401() {
        assertThat(http.getForEntity("/api/hello", String.class).getStatusCode().value()).isEqualTo(401);
        assertThat(get("who-knows").getStatusCode().value()).isEqualTo(401);
    }

    private ResponseEntity<String> get(String apiKey) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-API-Key", apiKey);
        return http.exchange("/api/hello", HttpMethod.GET, new HttpEntity<>(headers), String.class);
    }
}
