package dev.ratelimit.testservers;

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
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local started in this JVM behind a real HTTP endpoint on 127.0.0.1, with telemetry off, for this
 * project's tests, examples and benchmarks (build infrastructure, not part of the library). They reach it with
 * ordinary SDK v2 clients, so interceptors, retries and timeouts behave as they do against AWS. The module's
 * DynamoDB dependencies are optional: a user of this class declares {@code com.amazonaws:DynamoDBLocal} and
 * {@code software.amazon.awssdk:dynamodb} itself.
 *
 * <p>Thread-safe: clients may be created and used from any thread.
 */
public final class DynamoDbLocal implements AutoCloseable {

    private final DynamoDBProxyServer server;
    private final URI endpoint;

    private DynamoDbLocal(DynamoDBProxyServer server, int port) {
        this.server = server;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Starts a fresh in-memory server on a free port; about half a second.
     *
     * @return the running server; close it to stop it
     * @throws IllegalStateException if no server could be started in five attempts
     */
    public static DynamoDbLocal start() {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            try {
                DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                        new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"});
                bindToLoopback(server);
                server.start();
                return new DynamoDbLocal(server, port);
            } catch (Exception e) {
                last = e;
            }
        }
        throw new IllegalStateException("could not start DynamoDB Local", last);
    }

    /**
     * The server's HTTP endpoint on the loopback interface.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * A synchronous client for this server (Apache 5 HTTP client, up to 64 connections, dummy credentials).
     *
     * @param interceptors run on every request, e.g. to count the requests a store sends
     * @return a new client; the caller closes it
     */
    public DynamoDbClient client(ExecutionInterceptor... interceptors) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(64))
                .overrideConfiguration(c -> c.executionInterceptors(List.of(interceptors)))
                .build();
    }

    /**
     * An asynchronous client for this server (Netty, up to 64 concurrent requests, dummy credentials).
     *
     * @param interceptors run on every request, e.g. to count the requests a store sends
     * @return a new client; the caller closes it
     */
    public DynamoDbAsyncClient asyncClient(ExecutionInterceptor... interceptors) {
        return DynamoDbAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64))
                .overrideConfiguration(c -> c.executionInterceptors(List.of(interceptors)))
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

    /** DynamoDB Local listens on every interface; tests must not, so its connector is moved to 127.0.0.1. */
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
