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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One instance of a fleet in a test: a real Jetty 12 on 127.0.0.1 and a free port with a {@link RateLimitFilter}, and
 * a real HTTP client. The filter is either made in code over an engine ({@link #start}), or declared only in a
 * {@code WEB-INF/web.xml} with init-params ({@link #startWebXml}), as a web.xml user writes it.
 */
final class Gateway implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Server server;
    private final Supplier<RateLimitEngine> engine;
    private final String base;

    private Gateway(Server server, Supplier<RateLimitEngine> engine, int port) {
        this.server = server;
        this.engine = engine;
        this.base = "http://127.0.0.1:" + port;
    }

    /** The filter over {@code engine} in front of a servlet that answers 200 on every path. */
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
        return serve(context, () -> engine);
    }

    /**
     * A web application written under {@code dir} whose web.xml declares the filter with {@code initParams} and
     * nothing else; the container's default servlet answers {@code /x} with 200.
     *
     * @throws Exception the start's failure, such as the filter's {@code ServletException} from {@code init}
     */
    static Gateway startWebXml(Path dir, Map<String, String> initParams) throws Exception {
        Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
        Files.writeString(dir.resolve("x"), "ok");
        StringBuilder params = new StringBuilder();
        initParams.forEach((name, value) -> params.append("    <init-param><param-name>").append(name)
                .append("</param-name><param-value>").append(value.replace("&", "&amp;"))
                .append("</param-value></init-param>\n"));
        Files.writeString(webInf.resolve("web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <filter>
                    <filter-name>rateLimit</filter-name>
                    <filter-class>dev.ratelimit.servlet.RateLimitFilter</filter-class>
                %s  </filter>
                  <filter-mapping>
                    <filter-name>rateLimit</filter-name>
                    <url-pattern>/*</url-pattern>
                  </filter-mapping>
                </web-app>
                """.formatted(params));
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResourceAsPath(dir);
        webapp.setParentLoaderPriority(true);
        webapp.setThrowUnavailableOnStartupException(true); // a filter that fails in init fails the start
        return serve(webapp, () -> ((RateLimitFilter) webapp.getServletHandler().getFilter("rateLimit").getFilter())
                .engine());
    }

    /** The messages of the whole cause chain of a web.xml start that must fail. */
    static String webXmlStartFailure(Path dir, Map<String, String> initParams) throws Exception {
        Gateway started;
        try {
            started = startWebXml(dir, initParams);
        } catch (Exception e) {
            List<String> messages = new ArrayList<>();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
            return String.join("\n", messages);
        }
        started.close();
        throw new AssertionError("the web application started with " + initParams);
    }

    private static Gateway serve(Handler handler, Supplier<RateLimitEngine> engine) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new Gateway(server, engine, connector.getLocalPort());
    }

    /** The filter's engine. */
    RateLimitEngine engine() {
        return engine.get();
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
