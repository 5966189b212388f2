package dev.ratelimit.examples.gateway;

import dev.ratelimit.config.ConfigPublisher;
import dev.ratelimit.config.RedisSharedConfig;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.spi.RateLimitStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import redis.clients.jedis.JedisPooled;

/**
 * An API gateway instance: Jetty with the rate-limit filter in front of two stand-in APIs ({@code /api/orders},
 * {@code /api/search}), its limits (global, per user on plans, per user per API; token buckets) read from Redis and
 * followed live, its state in the same Redis. Start several on different ports and they act as one fleet.
 *
 * <pre>
 * mvn -q -pl examples/gateway -am package -DskipTests
 * mvn -q -pl examples/gateway exec:java -Dexec.args="redis://127.0.0.1:6379 8080"
 * </pre>
 *
 * On its first start against an empty Redis it publishes {@code gateway.properties} as version 1. {@code /health}
 * is not limited and shows the configuration status ({@link RateLimitEngine#configStatus()}). See the README for
 * the commands that change the limits while {@link Traffic} runs.
 */
public final class GatewayApp implements AutoCloseable {

    private final JedisPooled jedis;
    private final RateLimitStore store;
    private final Server server;
    private final int port;

    private GatewayApp(JedisPooled jedis, RateLimitStore store, Server server, int port) {
        this.jedis = jedis;
        this.store = store;
        this.server = server;
        this.port = port;
    }

    /**
     * Starts one gateway instance.
     *
     * @param redis the Redis URI
     * @param port the HTTP port; 0 for any free one
     * @return the running instance
     * @throws Exception if Jetty cannot start
     */
    public static GatewayApp start(URI redis, int port) throws Exception {
        JedisPooled jedis = new JedisPooled(redis, 2_000);
        RedisSharedConfig config = RedisSharedConfig.builder(jedis).build();
        ConfigPublisher publisher = new ConfigPublisher(config);
        if (publisher.show().isEmpty()) {
            System.out.println("Redis holds no configuration: publishing gateway.properties as version "
                    + publisher.publish(defaults(), 0).version());
        }
        RateLimitStore store = RedisStore.builder(jedis).build();
        RateLimitEngine engine = RateLimitEngine.builder().configSource(config).store(store).build();

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(new RateLimitFilter(engine)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new ApiServlet()), "/api/*");
        context.addServlet(new ServletHolder(new HealthServlet(engine)), "/health");
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        return new GatewayApp(jedis, store, server, connector.getLocalPort());
    }

    /**
     * The port the gateway listens on.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * The limits published on the first start.
     *
     * @return the text of {@code gateway.properties}
     */
    public static String defaults() {
        try (InputStream in = GatewayApp.class.getResourceAsStream("/gateway.properties")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops Jetty (and with the filter the engine and its configuration source), then the store and client. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping Jetty failed", e);
        } finally {
            store.close();
            jedis.close();
        }
    }

    /**
     * Runs one instance until the JVM stops.
     *
     * @param args Redis URI (default {@code redis://127.0.0.1:6379}) and HTTP port (default 8080)
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        URI redis = URI.create(args.length > 0 ? args[0] : "redis://127.0.0.1:6379");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        GatewayApp app = start(redis, port);
        System.out.println("Gateway on http://localhost:" + app.port() + "/api/orders (header X-User), limits from "
                + redis + " key ratelimit:config; status on /health");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
        }));
        app.server.join();
    }

    /** The stand-in for the APIs behind the gateway. */
    private static final class ApiServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().write("ok " + request.getRequestURI() + " for " + request.getHeader("X-User") + "\n");
        }
    }

    /** The configuration status, as an actuator would show it. */
    private static final class HealthServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient RateLimitEngine engine;

        HealthServlet(RateLimitEngine engine) {
            this.engine = engine;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ConfigStatus status = engine.configStatus();
            response.setContentType("text/plain");
            response.getWriter().write("config " + status.source() + " version " + status.version() + ", rejected "
                    + status.rejected() + ", read failures " + status.readFailures()
                    + (status.lastError() == null ? "" : ", last error: " + status.lastError()) + "\n");
        }
    }
}
