package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Regression for issue 12, item 4: {@code build()} against an endpoint that accepts connections and never
 * answers did not return after 170 s, and a refused connection waited the whole request timeout per decision and
 * reported "timed out". The clients here are built as a user would build them: the SDK's default retry strategy,
 * no timeouts of their own.
 */
class ConnectivityTest {

    private static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
    }

    @Test
    void buildAgainstAServerThatNeverAnswersFailsWithinTheRequestTimeout() throws Exception {
        try (BlackHole hole = BlackHole.open(); DynamoDbClient silent = client(hole.endpoint())) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> DynamoDbStore.builder(silent).tableName("silent")
                    .timeout(Duration.ofMillis(500)).build())
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table 'silent'")
                    .hasMessageContaining(hole.endpoint().toString())
                    .hasMessageContaining("timed out");
            // The table check is one DescribeTable bounded by the request timeout (plus a DescribeTimeToLive
            // that is never reached): well under the minutes it took before.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aRefusedConnectionFailsFastAndSaysSo() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        try (DynamoDbClient refused = client(closed)) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> DynamoDbStore.builder(refused).tableName("refused")
                    .timeout(Duration.ofSeconds(20)).build())
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table 'refused'")
                    .hasMessageContaining(closed.toString())
                    .hasMessageContaining("connection refused");
            DynamoDbStore store = DynamoDbStore.builder(refused).tableName("refused").verifyTable(false)
                    .callerTime().timeout(Duration.ofSeconds(20)).build();
            for (Algorithm algorithm : Algorithm.values()) {
                StoreBinding binding = store.bind("c", algorithm, List.of(Limit.of(5, Duration.ofMinutes(1))));
                assertThatThrownBy(() -> binding.tryAcquire("k", 1, 1_000_000L))
                        .isInstanceOf(StoreException.class)
                        .hasMessageContaining("table 'refused'")
                        .hasMessageContaining(closed.toString())
                        .hasMessageContaining("connection refused")
                        .hasMessageNotContaining("timed out");
            }
            // Five calls, each far below the 20 s timeout they used to wait out.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aRefusedConnectionFailsFastOnTheAsyncClientToo() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        try (DynamoDbClient refused = client(closed);
                DynamoDbAsyncClient refusedAsync = DynamoDbAsyncClient.builder()
                        .endpointOverride(closed)
                        .region(Region.US_EAST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("local", "local")))
                        .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                        .build()) {
            DynamoDbStore store = DynamoDbStore.builder(refused).tableName("refused").verifyTable(false)
                    .asyncClient(refusedAsync).timeout(Duration.ofSeconds(20)).build();
            StoreBinding binding = store.bind("a", Algorithm.TOKEN_BUCKET, List.of(Limit.of(5, Duration.ofMinutes(1))));
            long started = System.nanoTime();
            assertThatThrownBy(() -> binding.tryAcquireAsync("k", 1, 1_000_000L).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(StoreException.class)
                    .hasMessageContaining("table 'refused'")
                    .hasMessageContaining("connection refused");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    /**
     * A server that is not DynamoDB (a proxy's error page, a wrong port): every call is a StoreException naming
     * the table and endpoint, never a ClassCastException or a NullPointerException from the reply's shape.
     */
    @Test
    void aServerThatIsNotDynamoDbIsAStoreErrorForEveryCall() throws Exception {
        for (String body : List.of("<html><body>502 Bad Gateway</body></html>",
                "{\"Attributes\":{\"w0\":{\"S\":\"x\"},\"t0\":{\"BOOL\":true},\"s\":{\"N\":\"1\"},"
                        + "\"f\":{\"N\":\"9\"}},\"Item\":{\"w0\":{\"L\":[]},\"t0\":{\"S\":\"y\"},"
                        + "\"f\":{\"N\":\"9\"}}}")) {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type",
                        body.startsWith("{") ? "application/x-amz-json-1.0" : "text/html");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
            URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            // No client retries: a garbage body is retried by the SDK's default strategy until the timeout, which
            // only makes this slower.
            try (DynamoDbClient wrong = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("l", "l")))
                    .httpClientBuilder(Apache5HttpClient.builder())
                    .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                    .build()) {
                DynamoDbStore store = DynamoDbStore.builder(wrong).tableName("wrong").verifyTable(false)
                        .callerTime().timeout(Duration.ofSeconds(5)).build();
                for (Algorithm algorithm : Algorithm.values()) {
                    StoreBinding binding = store.bind("w", algorithm, List.of(Limit.of(5, Duration.ofMinutes(1))));
                    for (Runnable call : List.<Runnable>of(
                            () -> binding.tryAcquire("k", 1, 1_000_000L),
                            () -> binding.peek("k", 1_000_000L),
                            () -> binding.adjust("k", -1, 1_000_000L))) {
                        assertThatThrownBy(call::run)
                                .as("%s on %s", algorithm, body)
                                .isInstanceOf(StoreException.class)
                                .hasMessageContaining("table 'wrong'");
                    }
                }
            } finally {
                server.stop(0);
            }
        }
    }

    /** Accepts connections and never answers, like a hung server or a black-holing firewall. */
    static final class BlackHole implements AutoCloseable {
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

        static BlackHole open() throws IOException {
            return new BlackHole(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
