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
 * (port 8080; {@code -Dexec.args=9090} for another; {@code -Dexec.args="8080 redis"} for the limits in Redis).
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

    /** The app with the in-memory store. */
    public static final String IN_MEMORY = "webxml-app";
    /** The app with a Redis store made by {@link RedisStoreFactory}. */
    public static final String REDIS = "webxml-redis-app";

    /**
     * Starts the {@link #IN_MEMORY} app on {@code host:port}; port 0 picks a free port.
     *
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public static WebXmlApp start(String host, int port) throws Exception {
        return start(IN_MEMORY, host, port);
    }

    /**
     * Starts the app in the classpath directory {@code app} ({@link #IN_MEMORY} or {@link #REDIS}) on
     * {@code host:port}; port 0 picks a free port.
     *
     * @throws IllegalArgumentException if the port is outside 0..65535 or there is no such app
     */
    public static WebXmlApp start(String app, String host, int port) throws Exception {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535 but was " + port);
        }
        URL webapp = WebXmlApp.class.getResource("/" + app + "/WEB-INF/web.xml");
        if (webapp == null) {
            throw new IllegalArgumentException("no " + app + "/WEB-INF/web.xml on the classpath");
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

    /**
     * Stops the server.
     *
     * @throws IllegalStateException if Jetty fails to stop (interrupted: with the thread's interrupt flag set again)
     */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the web.xml app was interrupted while stopping", e);
        } catch (Exception e) {
            throw new IllegalStateException("the web.xml app did not stop", e);
        }
    }

    /**
     * Starts on port 8080 (or the first argument) the in-memory app (or the second argument, {@code redis} for the
     * Redis app, which finds Redis at {@code -Dredis.host} and {@code -Dredis.port}, localhost:6379 by default) and
     * prints what to try.
     */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        String which = args.length > 1 && args[1].equals("redis") ? REDIS : IN_MEMORY;
        WebXmlApp app = start(which, "127.0.0.1", port);
        String base = "http://127.0.0.1:" + app.port();
        System.out.println();
        System.out.println("web.xml example (" + which + ") on " + base
                + "  (policy perIp: 5 requests per minute on /api/**)");
        System.out.println("Try, six times or more:");
        System.out.println("  curl -i " + base + "/api/hello");
        System.out.println("the 6th answers 429 with Retry-After; /health is never limited:");
        System.out.println("  curl -i " + base + "/health");
        System.out.println("Ctrl+C to stop.");
        app.server.join();
    }
}
