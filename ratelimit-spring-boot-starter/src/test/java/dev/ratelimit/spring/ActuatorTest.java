package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

/** /actuator/ratelimit over real HTTP on Tomcat: the configuration, one key's state, a reset; and the metrics. */
@SpringBootTest(classes = MvcApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "management.endpoints.web.exposure.include=ratelimit")
@ActiveProfiles("mvc")
class ActuatorTest {

    @LocalServerPort
    private int port;
    @org.springframework.beans.factory.annotation.Autowired
    private io.micrometer.core.instrument.MeterRegistry registry;

    @Test
    void listsPoliciesAndPlansReadsAKeyAndResetsIt() throws Exception {
        Http http = new Http(port);
        HttpResponse<String> config = http.get("/actuator/ratelimit");
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.body()).contains("\"global\"").contains("\"limits\":[\"100/1m\"]")
                .contains("\"perKey\"").contains("\"plans\":true")
                .contains("\"free\":[\"3/1m\"]").contains("\"pro\":[\"5/1m\",\"100/1d\"]");

        assertThat(http.get("/api/hello", "X-API-Key", "free-key").statusCode()).isEqualTo(200);
        assertThat(http.get("/api/hello", "X-API-Key", "free-key").statusCode()).isEqualTo(200);
        HttpResponse<String> state = http.get("/actuator/ratelimit/perKey?key=free-key");
        assertThat(state.statusCode()).isEqualTo(200);
        assertThat(state.body()).contains("\"plan\":\"free\"").contains("\"remaining\":1");

        HttpResponse<String> reset = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/actuator/ratelimit/perKey"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"free-key\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(reset.body()).contains("\"reset\":true");
        assertThat(http.get("/actuator/ratelimit/perKey?key=free-key").body()).contains("\"remaining\":3");
        assertThat(http.get("/api/hello", "X-API-Key", "free-key").headers().firstValue("X-RateLimit-Remaining"))
                .hasValue("2");

        // Boot's meter registry got every policy's decisions through the MicrometerListener bean
        double decisions = registry.find("ratelimit.decisions").tag("limiter", "http:perKey:free").counters()
                .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
        assertThat(decisions).isEqualTo(3.0);

        assertThat(http.get("/actuator/ratelimit/nope?key=free-key").statusCode()).isEqualTo(404);
        assertThat(http.get("/actuator/ratelimit/perKey?key=on-no-plan").statusCode()).isEqualTo(404);
    }
}
