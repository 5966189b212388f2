package dev.ratelimit.benchmarks.dynamodb;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local in this JVM, in memory, with telemetry off, behind a real HTTP endpoint on 127.0.0.1: what the
 * benchmarks measure against. Not thread-safe to start or stop; its clients are.
 */
final class InProcessDynamoDb implements AutoCloseable {

    static {
        // Several HTTP client implementations are on the benchmark classpath; pick the SDK's Apache 5 one, as an
        // application on AWS typically would, rather than whichever the class loader finds first.
        System.setProperty("software.amazon.awssdk.http.service.impl",
                "software.amazon.awssdk.http.apache5.Apache5SdkHttpService");
    }

    private final DynamoDBProxyServer server;
    private final URI endpoint;

    private InProcessDynamoDb(DynamoDBProxyServer server, int port) {
        this.server = server;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    static InProcessDynamoDb start() {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            try {
                DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                        new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"});
                bindToLoopback(server);
                server.start();
                return new InProcessDynamoDb(server, port);
            } catch (Exception e) {
                last = e;
            }
        }
        throw new IllegalStateException("could not start DynamoDB Local", last);
    }

    DynamoDbClient client(List<ExecutionInterceptor> interceptors) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(c -> c.executionInterceptors(interceptors))
                .build();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop DynamoDB Local", e);
        }
    }

    /** DynamoDB Local listens on every interface; a benchmark has no business doing so. */
    private static void bindToLoopback(DynamoDBProxyServer proxy) throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector connector : jetty.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
