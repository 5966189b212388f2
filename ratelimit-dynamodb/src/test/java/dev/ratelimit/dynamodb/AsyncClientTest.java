package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * With an asynchronous client, {@code tryAcquireAsync} goes through {@link DynamoDbAsyncClient} (the synchronous
 * client sends nothing) and decides exactly as the synchronous path does.
 */
class AsyncClientTest {

    private static final String TABLE = "async";
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final RequestLog SYNC_LOG = new RequestLog();
    private static final RequestLog ASYNC_LOG = new RequestLog();

    private static DynamoDbLocal local;
    private static DynamoDbClient client;
    private static DynamoDbAsyncClient asyncClient;
    private static DynamoDbStore store;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client(SYNC_LOG);
        asyncClient = local.asyncClient(ASYNC_LOG);
        TestTables.createTableWithoutTtl(client, TABLE);
        store = DynamoDbStore.builder(client).tableName(TABLE).callerTime().asyncClient(asyncClient)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        asyncClient.close();
        local.close();
    }

    private RateLimiter limiter(Algorithm algorithm, String prefix) {
        return RateLimiter.builder().algorithm(algorithm)
                .limits(Limit.of(4, Duration.ofSeconds(1)), Limit.of(9, Duration.ofSeconds(10)))
                .store(store).timeSource(clock).namespace(prefix).failurePolicy(FailurePolicy.deny())
                .timeout(Duration.ofSeconds(30)).build();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void asyncDecisionsEqualSyncDecisions(Algorithm algorithm) throws Exception {
        RateLimiter sync = limiter(algorithm, "sync-" + PREFIXES.incrementAndGet());
        RateLimiter async = limiter(algorithm, "async-" + PREFIXES.incrementAndGet());
        long[] steps = {0, 0, 0, 0, 300, 0, 0, 900, 0, 0, 0, 2_000, 0, 0, 0, 0, 0, 10_000, 0};
        int denied = 0;
        for (int i = 0; i < steps.length; i++) {
            long permits = 1 + i % 2;
            SYNC_LOG.clear();
            ASYNC_LOG.clear();
            Decision viaAsync = async.tryAcquireAsync("k", permits).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(SYNC_LOG.count()).as("sync client requests for an async decision").isZero();
            assertThat(ASYNC_LOG.count()).isPositive();
            if (algorithm == Algorithm.FIXED_WINDOW || algorithm == Algorithm.TOKEN_BUCKET) {
                assertThat(ASYNC_LOG.operations()).containsExactly("UpdateItem");
            }
            Decision viaSync = sync.tryAcquire("k", permits);
            assertThat(viaAsync).as("step %d", i).isEqualTo(viaSync);
            denied += viaSync.allowed() ? 0 : 1;
            clock.advanceMicros(steps[i] * 1_000);
        }
        assertThat(denied).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void concurrentAsyncRequestsAdmitExactlyTheLimit(Algorithm algorithm) throws Exception {
        RateLimiter limiter = limiter(algorithm, "burst-" + PREFIXES.incrementAndGet());
        List<CompletableFuture<Decision>> decisions = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            decisions.add(limiter.tryAcquireAsync("hot").toCompletableFuture());
        }
        int allowed = 0;
        for (CompletableFuture<Decision> d : decisions) {
            Decision decision = d.get(60, TimeUnit.SECONDS);
            assertThat(decision.reason()).isNotEqualTo(Decision.Reason.STORE_UNAVAILABLE);
            allowed += decision.allowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(4);
    }
}
