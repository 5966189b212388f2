package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.testkit.FakeClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The EMF lines: exact JSON, counts reset by each flush, nothing written when nothing happened. */
class EmbeddedMetricsTest {

    private static final Limit LIMIT = Limit.parse("10/1s");

    private final List<String> lines = new ArrayList<>();
    private final FakeClock clock = new FakeClock(Instant.ofEpochMilli(1_796_094_600_123L));
    private final EmbeddedMetrics metrics = EmbeddedMetrics.create("MyApi", lines::add, clock);

    @Test
    void aThrottledRequestIsOneRequestsLineAndOneLinePerLimiterOutcome() {
        metrics.onAllowed("http:perIp", "198.51.100.7", 1, allowed());
        metrics.onDenied("http:perKey:basic", "key-1", 1, denied());
        metrics.request(false, 429);
        metrics.flush();

        assertThat(lines).containsExactlyInAnyOrder(
                "{\"_aws\":{\"Timestamp\":1796094600123,\"CloudWatchMetrics\":[{\"Namespace\":\"MyApi\","
                        + "\"Dimensions\":[[\"outcome\"]],\"Metrics\":[{\"Name\":\"ratelimit.requests\","
                        + "\"Unit\":\"Count\"}]}]},\"outcome\":\"throttled\",\"ratelimit.requests\":1}",
                "{\"_aws\":{\"Timestamp\":1796094600123,\"CloudWatchMetrics\":[{\"Namespace\":\"MyApi\","
                        + "\"Dimensions\":[[\"limiter\",\"outcome\"],[\"outcome\"]],\"Metrics\":[{\"Name\":"
                        + "\"ratelimit.decisions\",\"Unit\":\"Count\"}]}]},\"limiter\":\"http:perIp\","
                        + "\"outcome\":\"allowed\",\"ratelimit.decisions\":1}",
                "{\"_aws\":{\"Timestamp\":1796094600123,\"CloudWatchMetrics\":[{\"Namespace\":\"MyApi\","
                        + "\"Dimensions\":[[\"limiter\",\"outcome\"],[\"outcome\"]],\"Metrics\":[{\"Name\":"
                        + "\"ratelimit.decisions\",\"Unit\":\"Count\"}]}]},\"limiter\":\"http:perKey:basic\","
                        + "\"outcome\":\"denied\",\"ratelimit.decisions\":1}");
    }

    @Test
    void countsAddUpUntilAFlushAndStartAgainAfterIt() {
        for (int i = 0; i < 3; i++) {
            metrics.request(true, 0);
        }
        metrics.request(false, 401);
        metrics.flush();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"outcome\":\"allowed\",\"ratelimit.requests\":3}");
        assertThat(lines.get(1)).contains("\"outcome\":\"rejected\",\"ratelimit.requests\":1}");

        lines.clear();
        metrics.flush();
        assertThat(lines).isEmpty();
    }

    @Test
    void storeFailuresCountAsErrorWhateverTheFailurePolicyDecided() {
        Decision failOpen = Decision.storeUnavailable(true, LIMIT, 0, 0);
        metrics.onAllowed("http:perIp", "k", 1, failOpen);
        metrics.flush();

        assertThat(lines).singleElement().asString().contains("\"outcome\":\"error\"");
    }

    @Test
    void aNamespaceCloudWatchWouldRefuseIsRefusedHere() {
        assertThatThrownBy(() -> EmbeddedMetrics.create("", lines::add, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> EmbeddedMetrics.create("a\nb", lines::add, clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Decision allowed() {
        return Decision.allowed(LIMIT, 9, 1_000_000);
    }

    private static Decision denied() {
        return Decision.denied(LIMIT, 0, 1_000_000, 500_000);
    }
}
