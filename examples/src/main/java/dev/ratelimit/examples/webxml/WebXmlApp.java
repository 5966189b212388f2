package dev.ratelimit.examples.webxml;

import java.net.URL;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A plain web app whose rate limits come only from {@code WEB-INF/web.xml} and
 * {@code WEB-INF/classes/ratelimit.properties}, run on embedded Jetty 12. The same directory deployed as a war to
 * any Servlet 6 container behaves the same.
 *
 * <p>Run: {@code mvn -q -pl examples -am compile exec:java -Ddemo.mainClass=dev.ratelimit.examples.webxml.WebXmlApp}
 * (port 8080; {@code -Dexec.args=9090} for another).
 *
 * <p>Not thread-safe to start and stop concurrently; the running server is.
 */
public final class WebXmlApp implements AutoCloseable {

    private final Server server;
    private final int port;

    private WebXmlApp(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts the app on {@code host:port}; port 0 picks a free port.
     *
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public static WebXmlApp start(String host, int port) throws Exception {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535 but was " + port);
        }
        URL webapp = WebXmlApp.class.getResource("/webxml-app/WEB-INF/web.xml");
        if (webapp == null) {
            throw new IllegalStateException("webxml-app/WEB-INF/web.xml is not on the classpath");
        }
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        WebAppContext context = new WebAppContext();
        context.setContextPath("/");
        // The directory that holds WEB-INF: exploded here, a war in production.
        context.setWarResource(context.getResourceFactory().newResource(webapp.toURI().resolve("../")));
        context.setThrowUnavailableOnStartupException(true);
        server.setHandler(context);
        server.start();
        return new WebXmlApp(server, connector.getLocalPort());
    }

    /** The port the app listens on. */
    public int port() {
        return port;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Starts on port 8080 (or the first argument) and prints what to try. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        WebXmlApp app = start("127.0.0.1", port);
        String base = "http://127.0.0.1:" + app.port();
        System.out.println();
        System.out.println("web.xml example on " + base + "  (policy perIp: 5 requests per minute on /api/**)");
        System.out.println("Try, six times or more:");
        System.out.println("  curl -i " + base + "/api/hello");
        System.out.println("the 6th answers 429 with Retry-After; /health is never limited:");
        System.out.println("  curl -i " + base + "/health");
        System.out.println("Ctrl+C to stop.");
        app.server.join();
    }
}
