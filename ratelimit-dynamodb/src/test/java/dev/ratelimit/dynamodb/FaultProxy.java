package dev.ratelimit.dynamodb;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of DynamoDB Local that answers the next requests with an injected DynamoDB error (the
 * JSON error body DynamoDB sends, so the SDK raises its real exception types) and forwards the rest unchanged. It
 * gives tests real throttling and service errors, which DynamoDB Local never produces.
 */
final class FaultProxy implements AutoCloseable {

    private static final Set<String> NOT_FORWARDED =
            Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI target;
    private final AtomicInteger faultsLeft = new AtomicInteger();
    private final AtomicInteger injected = new AtomicInteger();
    private volatile int status;
    private volatile String type;

    private FaultProxy(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    static FaultProxy start(URI target) {
        try {
            return new FaultProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the proxy", e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Answers the next {@code times} requests (all of them if negative) with HTTP {@code status} and DynamoDB error
     * {@code type}, such as {@code ProvisionedThroughputExceededException}.
     */
    void fail(int times, int status, String type) {
        this.status = status;
        this.type = type;
        faultsLeft.set(times < 0 ? Integer.MAX_VALUE : times);
    }

    /** How many requests got an injected error. */
    int injected() {
        return injected.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (faultsLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                injected.incrementAndGet();
                byte[] error = ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + type
                        + "\",\"message\":\"injected by the test proxy\"}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
                exchange.sendResponseHeaders(status, error.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(error);
                }
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
                if (!NOT_FORWARDED.contains(header.getKey().toLowerCase())) {
                    for (String value : header.getValue()) {
                        forward.header(header.getKey(), value);
                    }
                }
            }
            HttpResponse<byte[]> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    values.forEach(value -> exchange.getResponseHeaders().add(name, value));
                }
            });
            byte[] answer = response.body();
            exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
