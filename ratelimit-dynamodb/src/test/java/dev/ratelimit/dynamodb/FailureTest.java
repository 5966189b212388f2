package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Real failures become {@link StoreException}s and the limiter's failure policy decides: throttling and service
 * errors (injected by {@link FaultProxy} in front of DynamoDB Local), a server that accepts connections but never
 * answers, and a stopped DynamoDB Local. The clients here make no retries of their own, so the requests counted
 * are the store's.
 */
class FailureTest {

    private static final String TABLE = "failures";
    private static final Limit LIMIT = Limit.of(5, Duration.ofMinutes(1));

    private static DynamoDbLocal local;
    private static FaultProxy proxy;
    private static BlackHole blackHole;
    private static final RequestLog LOG = new RequestLog();
    private static DynamoDbClient viaProxy;
    private static DynamoDbAsyncClient asyncViaProxy;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        try (DynamoDbClient direct = local.client()) {
            TestTables.createTableWithoutTtl(direct, TABLE);
        }
        proxy = FaultProxy.start(local.endpoint());
        blackHole = BlackHole.open();
        viaProxy = client(proxy.endpoint());
        asyncViaProxy = asyncClient(proxy.endpoint());
    }

    @AfterAll
    static void stop() {
        viaProxy.close();
        asyncViaProxy.close();
        blackHole.close();
        proxy.close();
        local.close();
    }

    private static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .executionInterceptors(List.of(LOG)))
                .build();
    }

    private static DynamoDbAsyncClient asyncClient(URI endpoint) {
        return DynamoDbAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .executionInterceptors(List.of(LOG)))
                .build();
    }

    private static DynamoDbStore.Builder store(DynamoDbClient client) {
        return DynamoDbStore.builder(client).tableName(TABLE).callerTime().verifyTable(false);
    }

    private RateLimiter limiter(DynamoDbStore store, Algorithm algorithm, FailurePolicy policy) {
        return RateLimiter.builder().algorithm(algorithm).limits(LIMIT).store(store).timeSource(clock)
                .failurePolicy(policy).timeout(Duration.ofSeconds(10)).build();
    }

    private static void assertFailOpenAndClosed(Decision open, Decision closed) {
        assertThat(open.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(open.allowed()).isTrue();
        assertThat(closed.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(closed.allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void throttlingWithinTheRetriesIsInvisible(Algorithm algorithm) {
        DynamoDbStore store = store(viaProxy).timeout(Duration.ofSeconds(10))
                .throttlingRetries(3, Duration.ofMillis(1)).build();
        RateLimiter limiter = limiter(store, algorithm, FailurePolicy.deny());
        proxy.fail(3, 400, "ProvisionedThroughputExceededException");
        LOG.clear();
        Decision d = limiter.tryAcquire("k");
        assertThat(d.reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
        assertThat(d.remaining()).isEqualTo(4);
        assertThat(LOG.count()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void throttlingPastTheRetriesIsAStoreError(Algorithm algorithm) {
        DynamoDbStore store = store(viaProxy).timeout(Duration.ofSeconds(10))
                .throttlingRetries(2, Duration.ofMillis(1)).build();
        proxy.fail(-1, 400, "ThrottlingException");
        try {
            LOG.clear();
            StoreBinding binding = store.bind("t", algorithm, List.of(LIMIT));
            assertThatThrownBy(() -> binding.tryAcquire("k", 1, clock.nowMicros()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table '" + TABLE + "'")
                    .hasMessageContaining("throttled after 2 retries");
            assertThat(LOG.count()).as("one request and two retries").isEqualTo(3);
            assertFailOpenAndClosed(limiter(store, algorithm, FailurePolicy.allow()).tryAcquire("k"),
                    limiter(store, algorithm, FailurePolicy.deny()).tryAcquire("k"));
        } finally {
            proxy.fail(0, 200, "");
        }
    }

    @Test
    void throttlingPastTheRetriesIsAStoreErrorOnTheAsyncClientToo() throws Exception {
        DynamoDbStore store = store(viaProxy).timeout(Duration.ofSeconds(10)).asyncClient(asyncViaProxy)
                .throttlingRetries(2, Duration.ofMillis(1)).build();
        proxy.fail(-1, 400, "ProvisionedThroughputExceededException");
        try {
            LOG.clear();
            Decision open = limiter(store, Algorithm.TOKEN_BUCKET, FailurePolicy.allow()).tryAcquireAsync("k")
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(LOG.count()).isEqualTo(3);
            Decision closed = limiter(store, Algorithm.TOKEN_BUCKET, FailurePolicy.deny()).tryAcquireAsync("k")
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertFailOpenAndClosed(open, closed);
        } finally {
            proxy.fail(0, 200, "");
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aServiceErrorIsAStoreError(Algorithm algorithm) {
        DynamoDbStore store = store(viaProxy).timeout(Duration.ofSeconds(10)).build();
        proxy.fail(-1, 500, "InternalServerError");
        try {
            StoreBinding binding = store.bind("s", algorithm, List.of(LIMIT));
            assertThatThrownBy(() -> binding.tryAcquire("k", 1, clock.nowMicros()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table '" + TABLE + "'")
                    .hasMessageContaining("failed in DynamoDB (HTTP 500): injected by the test proxy");
            assertFailOpenAndClosed(limiter(store, algorithm, FailurePolicy.allow()).tryAcquire("k"),
                    limiter(store, algorithm, FailurePolicy.deny()).tryAcquire("k"));
        } finally {
            proxy.fail(0, 200, "");
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aServerThatNeverAnswersTimesOut(Algorithm algorithm) {
        try (DynamoDbClient silent = client(blackHole.endpoint())) {
            DynamoDbStore store = store(silent).timeout(Duration.ofMillis(200)).build();
            StoreBinding binding = store.bind("b", algorithm, List.of(LIMIT));
            long started = System.nanoTime();
            assertThatThrownBy(() -> binding.tryAcquire("k", 1, clock.nowMicros()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table '" + TABLE + "'")
                    .hasMessageContaining("timed out");
            // Bounded by the timeout, not by the server: well under the 10 s a hung call would take here.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertFailOpenAndClosed(limiter(store, algorithm, FailurePolicy.allow()).tryAcquire("k"),
                    limiter(store, algorithm, FailurePolicy.deny()).tryAcquire("k"));
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOutOnTheAsyncClient() throws Exception {
        try (DynamoDbClient silent = client(blackHole.endpoint());
                DynamoDbAsyncClient silentAsync = asyncClient(blackHole.endpoint())) {
            DynamoDbStore store = store(silent).asyncClient(silentAsync).timeout(Duration.ofMillis(200))
                    .build();
            Decision open = limiter(store, Algorithm.FIXED_WINDOW, FailurePolicy.allow()).tryAcquireAsync("k")
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            Decision closed = limiter(store, Algorithm.SLIDING_WINDOW, FailurePolicy.deny()).tryAcquireAsync("k")
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertFailOpenAndClosed(open, closed);
        }
    }

    @Test
    void aStoppedDynamoDbIsAStoreError() {
        DynamoDbLocal stopped = DynamoDbLocal.start();
        try (DynamoDbClient client = client(stopped.endpoint())) {
            TestTables.createTableWithoutTtl(client, TABLE);
            DynamoDbStore store = store(client).timeout(Duration.ofSeconds(10)).build();
            RateLimiter open = limiter(store, Algorithm.FIXED_WINDOW, FailurePolicy.allow());
            RateLimiter closed = limiter(store, Algorithm.FIXED_WINDOW, FailurePolicy.deny());
            assertThat(open.tryAcquire("k").reason()).isEqualTo(Decision.Reason.WITHIN_LIMIT);
            stopped.close();
            assertThatThrownBy(() -> store.bind("x", Algorithm.TOKEN_BUCKET, List.of(LIMIT))
                    .tryAcquire("k", 1, clock.nowMicros()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table '" + TABLE + "'");
            assertFailOpenAndClosed(open.tryAcquire("k"), closed.tryAcquire("k"));
        }
    }

    /** Accepts connections and never answers, like a host behind a black-holing firewall or a hung server. */
    private static final class BlackHole implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        private BlackHole(ServerSocket socket) {
            this.socket = socket;
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        accepted.add(socket.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "black-hole");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        static BlackHole open() {
            try {
                return new BlackHole(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() {
            try {
                socket.close();
                for (Socket s : accepted) {
                    s.close();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
