package dev.ratelimit.config;

import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.servlet.RateLimitFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One instance of a fleet in a test: a real Jetty 12 on 127.0.0.1 and a free port with a {@link RateLimitFilter}
 * over {@code engine} in front of a servlet that answers 200, and a real HTTP client.
 */
final class Gateway implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Server server;
    private final RateLimitEngine engine;
    private final String base;

    private Gateway(Server server, RateLimitEngine engine, int port) {
        this.server = server;
        this.engine = engine;
        this.base = "http://127.0.0.1:" + port;
    }

    static Gateway start(RateLimitEngine engine) throws Exception {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(new RateLimitFilter(engine)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setStatus(200);
                response.getWriter().write("ok");
            }
        }), "/*");
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        return new Gateway(server, engine, connector.getLocalPort());
    }

    RateLimitEngine engine() {
        return engine;
    }

    /** GET {@code path} as user {@code user} (header X-User); the status. */
    int get(String path, String user) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).header("X-User", user)
                .timeout(Duration.ofSeconds(10)).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Stops Jetty; the filter's destroy closes the engine and with it the configuration source. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping Jetty failed", e);
        }
    }
}
