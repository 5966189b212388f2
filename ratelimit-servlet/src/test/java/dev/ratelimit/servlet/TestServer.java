package dev.ratelimit.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Jetty 12 on 127.0.0.1 and a free port, with the filter under test in front of a servlet that answers 200
 * "ok", and a real {@link HttpClient} to talk to it.
 */
final class TestServer implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Server server;
    private final String base;
    private final int port;

    private TestServer(Server server, String host, int port) {
        this.server = server;
        this.port = port;
        this.base = "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The filter behind a stand-in for the application's authentication (header X-Test-User). */
    static TestServer start(Filter filter) throws Exception {
        return start(filter, "127.0.0.1");
    }

    /** As {@link #start(Filter)}, listening on {@code host} (for example {@code ::1}). */
    static TestServer start(Filter filter, String host) throws Exception {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder authentication = new FilterHolder(new TestAuthentication());
        authentication.setAsyncSupported(true);
        context.addFilter(authentication, "/*", EnumSet.of(DispatcherType.REQUEST));
        FilterHolder limiting = new FilterHolder(filter);
        limiting.setAsyncSupported(true);
        context.addFilter(limiting, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new OkServlet()), "/*");
        ServletHolder async = new ServletHolder(new AsyncServlet());
        async.setAsyncSupported(true);
        context.addServlet(async, "/async/*");
        return start(context, host);
    }

    static TestServer start(Handler handler) throws Exception {
        return start(handler, "127.0.0.1");
    }

    static TestServer start(Handler handler, String host) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setAcceptQueueSize(512); // the concurrency test opens many connections at once
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new TestServer(server, host, connector.getLocalPort());
    }

    /** The port the server listens on. */
    int port() {
        return port;
    }

    /** Sends {@code method path} with header name/value pairs. */
    HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    /** Sends {@code GET path} without waiting for the answer. */
    CompletableFuture<HttpResponse<String>> getAsync(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }

    /**
     * Answers 200 "ok", or the status the request asks for in {@code X-Test-Status}; throws if the request has
     * {@code X-Test-Throw}, as a failing application would.
     */
    static final class OkServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (req.getHeader("X-Test-Throw") != null) {
                throw new IllegalStateException("the application failed (test)");
            }
            String status = req.getHeader("X-Test-Status");
            resp.setStatus(status == null ? 200 : Integer.parseInt(status));
            resp.setContentType("text/plain");
            resp.getWriter().write("ok");
        }
    }

    /**
     * Answers from another thread after the request thread has returned, with the status in {@code X-Test-Status}
     * (200 by default), as an asynchronous controller would.
     */
    static final class AsyncServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            String status = req.getHeader("X-Test-Status");
            AsyncContext async = req.startAsync();
            async.start(() -> {
                try {
                    resp.setStatus(status == null ? 200 : Integer.parseInt(status));
                    resp.setContentType("text/plain");
                    resp.getWriter().write("async");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    async.complete();
                }
            });
        }
    }

    /** Stands in for the application's login: the user named by X-Test-User is the request's principal. */
    static final class TestAuthentication implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            String user = http.getHeader("X-Test-User");
            if (user == null) {
                chain.doFilter(request, response);
                return;
            }
            Principal principal = () -> user;
            chain.doFilter(new HttpServletRequestWrapper(http) {
                @Override
                public Principal getUserPrincipal() {
                    return principal;
                }
            }, response);
        }
    }
}
