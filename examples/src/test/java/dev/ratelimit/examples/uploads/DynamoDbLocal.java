package dev.ratelimit.examples.uploads;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** DynamoDB Local in this JVM, in memory, on a free port, with telemetry off; reached over real HTTP. */
final class DynamoDbLocal implements AutoCloseable {

    private final DynamoDBProxyServer server;
    private final URI endpoint;

    private DynamoDbLocal(DynamoDBProxyServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    static DynamoDbLocal start() throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            try {
                DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                        new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"});
                server.start();
                return new DynamoDbLocal(server, URI.create("http://127.0.0.1:" + port));
            } catch (Exception e) {
                last = e;   // the port was taken in between: try another
            }
        }
        throw last;
    }

    /** A client for this server; any region and credentials do. */
    DynamoDbClient client() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
