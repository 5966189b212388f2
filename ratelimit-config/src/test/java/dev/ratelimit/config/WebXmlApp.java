package dev.ratelimit.config;

import dev.ratelimit.servlet.RateLimitFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A web application as a web.xml user writes it, in a real Jetty 12 {@link WebAppContext}: its
 * {@code WEB-INF/web.xml} declares {@link RateLimitFilter} with the given init-params and nothing is built in code;
 * the container's default servlet answers {@code /hello.txt} with 200. Requests go over real HTTP.
 */
final class WebXmlApp implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Server server;
    private final WebAppContext webapp;
    private final String base;

    private WebXmlApp(Server server, WebAppContext webapp, int port) {
        this.server = server;
        this.webapp = webapp;
        this.base = "http://127.0.0.1:" + port;
    }

    /**
     * Writes the web application under {@code dir} and starts it.
     *
     * @throws Exception the start's failure, such as the filter's {@code ServletException} from {@code init}
     */
    static WebXmlApp start(Path dir, Map<String, String> initParams) throws Exception {
        Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
        Files.writeString(dir.resolve("hello.txt"), "hello");
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
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(webapp);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new WebXmlApp(server, webapp, connector.getLocalPort());
    }

    /** The messages of the whole cause chain of a start that must fail. */
    static String startFailure(Path dir, Map<String, String> initParams) throws Exception {
        WebXmlApp started;
        try {
            started = start(dir, initParams);
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

    /** The filter web.xml declared, as the container made it. */
    RateLimitFilter filter() {
        return (RateLimitFilter) webapp.getServletHandler().getFilter("rateLimit").getFilter();
    }

    /** GET /hello.txt as user {@code user} (header X-User); the status. */
    int get(String user) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/hello.txt")).header("X-User", user)
                .timeout(Duration.ofSeconds(10)).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Statuses of {@code count} requests of {@code user}, in order. */
    List<Integer> get(String user, int count) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(get(user));
        }
        return statuses;
    }

    /** Stops Jetty: the container calls the filter's destroy. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping Jetty failed", e);
        }
    }
}
