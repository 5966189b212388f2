package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.testkit.FakeClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, exhaustion: a policy keyed on a request header stores every distinct value a client sends. The filter's
 * own in-memory store is bounded ({@code ratelimit.maximumKeys}) and evicts at its bound, so a flood of distinct
 * long values neither fills the heap nor stops the limiting: the server keeps answering, a key that was denied
 * stays denied, and a key first seen after the flood is limited like any other. Depends on the evicting
 * {@link InMemoryStore} of ratelimit-core (a store that refused new keys at its bound would let them through under
 * the default failure policy).
 */
class KeyFloodHttpTest {

    private static final int MAXIMUM_KEYS = 500;
    private static final int FLOOD = 3_000;

    @TempDir
    Path dir;

    @Test
    void aFloodOfDistinctLongHeaderValuesNeitherGrowsTheStorePastItsBoundNorStopsTheLimiting() throws Exception {
        Path config = Files.write(dir.resolve("flood.properties"), List.of(
                "ratelimit.policies=perUser",
                "ratelimit.policy.perUser.key=header:X-User-Id",
                "ratelimit.policy.perUser.limits=10/1h",
                "ratelimit.excludes=/health",
                "ratelimit.maximumKeys=" + MAXIMUM_KEYS), StandardCharsets.UTF_8);
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config)
                .timeSource(new FakeClock()).build();
        InMemoryStore store = (InMemoryStore) filter.engine().store();
        String padding = "x".repeat(7_000);
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 10; i++) {
                assertThat(server.get("/api", "X-User-Id", "victim").statusCode()).isEqualTo(200);
            }
            assertThat(server.get("/api", "X-User-Id", "victim").statusCode()).isEqualTo(429);

            for (int i = 0; i < FLOOD; i++) {
                assertThat(server.get("/api", "X-User-Id", i + padding).statusCode()).isEqualTo(200);
                if (i % 100 == 99) {
                    assertThat(server.get("/health").statusCode()).as("health after %d", i + 1).isEqualTo(200);
                    assertThat(server.get("/api", "X-User-Id", "victim").statusCode())
                            .as("the denied key after %d flood keys", i + 1).isEqualTo(429);
                    assertThat(store.keyCount()).isLessThanOrEqualTo(MAXIMUM_KEYS);
                }
            }

            // A key first seen after the flood is limited like any other: the full store did not turn into "allow".
            for (int i = 0; i < 10; i++) {
                assertThat(server.get("/api", "X-User-Id", "newcomer").statusCode()).as("newcomer %d", i)
                        .isEqualTo(200);
            }
            assertThat(server.get("/api", "X-User-Id", "newcomer").statusCode()).isEqualTo(429);
            assertThat(server.get("/api", "X-User-Id", "victim").statusCode()).isEqualTo(429);
            assertThat(store.keyCount()).isLessThanOrEqualTo(MAXIMUM_KEYS);
        }
    }
}
