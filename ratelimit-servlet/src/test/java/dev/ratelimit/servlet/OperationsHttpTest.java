package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.micrometer.MicrometerListener;
import dev.ratelimit.testkit.CountingStore;
import dev.ratelimit.testkit.FakeClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations features of the core seen through the filter over real HTTP: Micrometer metrics per policy, the
 * local deny cache, and the violation log switched on in the configuration file.
 */
class OperationsHttpTest {

    private final FakeClock clock = new FakeClock();

    @TempDir
    Path dir;

    private static double decisions(SimpleMeterRegistry registry, String limiter, String result) {
        return registry.get("ratelimit.decisions").tag("limiter", limiter).tag("result", result).counter().count();
    }

    @Test
    void micrometerCountsEachPolicysDecisionsWithoutTheKeyAsATag() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FlakyStore store = new FlakyStore();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("100/1m"))
                        .build())
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("1/1m"))
                        .build())
                .store(store)
                .timeSource(clock)
                .listener(MicrometerListener.create(registry))
                .build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(server.get("/", "X-API-Key", "secret-key-1").statusCode()).isEqualTo(200);
            assertThat(server.get("/", "X-API-Key", "secret-key-1").statusCode()).isEqualTo(429);
            assertThat(server.get("/", "X-API-Key", "secret-key-2").statusCode()).isEqualTo(200);
            store.acquireFailure = () -> new IllegalStateException("outage");
            assertThat(server.get("/", "X-API-Key", "secret-key-3").statusCode()).isEqualTo(200);

            // global decided (and allowed) all four, one of them later given back because perKey denied.
            assertThat(decisions(registry, "http:global", "allowed")).isEqualTo(3);
            assertThat(decisions(registry, "http:global", "error")).isEqualTo(1);
            assertThat(decisions(registry, "http:perKey", "allowed")).isEqualTo(2);
            assertThat(decisions(registry, "http:perKey", "denied")).isEqualTo(1);
            assertThat(decisions(registry, "http:perKey", "error")).isEqualTo(1);
            assertThat(registry.get("ratelimit.failure.policy").tag("limiter", "http:perKey")
                    .tag("outcome", "allowed").counter().count()).isEqualTo(1);
            assertThat(registry.get("ratelimit.store.latency").tag("limiter", "http:global").timer().count())
                    .isEqualTo(4);
            List<String> tagValues = new ArrayList<>();
            for (Meter meter : registry.getMeters()) {
                meter.getId().getTags().stream().map(Tag::getValue).forEach(tagValues::add);
            }
            assertThat(tagValues).isNotEmpty().noneMatch(v -> v.contains("secret-key"));
        }
    }

    @Test
    void theLocalDenyCacheSavesStoreCallsForAFloodingKeyAndDecidesExactlyTheSame() throws Exception {
        CountingStore plainStore = CountingStore.wrapping(InMemoryStore.create());
        CountingStore cachedStore = CountingStore.wrapping(InMemoryStore.create());
        List<Integer> plain = flood(plainStore, 0);
        List<Integer> cached = flood(cachedStore, 1000);
        assertThat(cached).isEqualTo(plain);
        // 2/1s with a request every 50 ms for 3 s: 6 allowed, 54 denied.
        assertThat(plain.stream().filter(s -> s == 200).count()).isEqualTo(6);
        assertThat(plainStore.acquires()).isEqualTo(60);
        // With the cache the store sees the allowed requests and the first denial of each window only.
        assertThat(cachedStore.acquires()).isEqualTo(6 + 3);
    }

    /** One key flooding a 2/1s fixed-window policy: a request every 50 ms for 3 s; the statuses in order. */
    private List<Integer> flood(CountingStore store, int denyCacheKeys) throws Exception {
        FakeClock time = new FakeClock();
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perKey").key(KeyResolver.header("X-API-Key")).limits(Limit.parse("2/1s"))
                        .algorithm(Algorithm.FIXED_WINDOW).build())
                .store(store)
                .timeSource(time)
                .localDenyCache(denyCacheKeys)
                .build();
        List<Integer> statuses = new ArrayList<>();
        try (TestServer server = TestServer.start(filter)) {
            for (int i = 0; i < 60; i++) {
                var response = server.get("/", "X-API-Key", "flood");
                statuses.add(response.statusCode());
                if (response.statusCode() == 429) {
                    statuses.add(Integer.parseInt(RateLimitFilterHttpTest.header(response, "Retry-After")));
                }
                time.advance(Duration.ofMillis(50));
            }
        }
        return statuses;
    }

    @Test
    void theLocalDenyCacheCanBeSwitchedOnInTheFile() throws Exception {
        Path config = Files.write(dir.resolve("cache.properties"), List.of(
                "ratelimit.policies=perKey",
                "ratelimit.policy.perKey.key=header:X-API-Key",
                "ratelimit.policy.perKey.limits=1/1m",
                "ratelimit.localDenyCache=100"), StandardCharsets.UTF_8);
        CountingStore store = CountingStore.wrapping(InMemoryStore.create());
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).store(store)
                .timeSource(clock).build();
        try (TestServer server = TestServer.start(filter)) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                statuses.add(server.get("/", "X-API-Key", "k").statusCode());
            }
            assertThat(statuses).containsExactly(200, 429, 429, 429, 429, 429, 429, 429, 429, 429);
            assertThat(store.acquires()).isEqualTo(2);
        }
    }

    @Test
    void theViolationLogFromTheFileLogsDenialsAndIsItselfRateLimited() throws Exception {
        Path config = Files.write(dir.resolve("log.properties"), List.of(
                "ratelimit.policies=perKey",
                "ratelimit.policy.perKey.key=header:X-API-Key",
                "ratelimit.policy.perKey.limits=1/1h",
                "ratelimit.violationLog=error",
                "ratelimit.violationLog.rate=2/1m"), StandardCharsets.UTF_8);
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).timeSource(clock).build();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (TestServer server = TestServer.start(filter)) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                for (int i = 0; i < 6; i++) {
                    server.get("/", "X-API-Key", "attacker");
                }
                clock.advance(Duration.ofMinutes(1));
                server.get("/", "X-API-Key", "attacker");
            } finally {
                System.setErr(originalErr);
            }
        }
        List<String> lines = Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
                .filter(line -> line.contains("dev.ratelimit.violations"))
                .toList();
        // 5 denials in the first minute, 2 logged; the next minute's line counts the 3 left out.
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("Rate limit exceeded: limiter=http:perKey key=attacker permits=1"
                + " limit=1/1h");
        assertThat(lines.get(2)).endsWith("(3 earlier violations not logged)");
    }
}
