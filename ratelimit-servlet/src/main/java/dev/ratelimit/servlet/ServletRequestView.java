package dev.ratelimit.servlet;

import dev.ratelimit.http.HttpRequestView;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * A servlet request as the engine sees it. The path is the servlet path plus path info, which the container has
 * already decoded and normalised (so {@code /api/../health} cannot dodge a pattern), without the context path or
 * query. Reads the request on each call, so it is as thread-safe as the request: use it on the request's thread.
 */
public final class ServletRequestView implements HttpRequestView {

    private final HttpServletRequest request;

    /**
     * A view of {@code request}.
     *
     * @param request the request
     */
    public ServletRequestView(HttpServletRequest request) {
        this.request = Objects.requireNonNull(request, "request");
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = servletPath == null ? "" : servletPath;
        if (pathInfo != null) {
            path = path + pathInfo;
        }
        return path.isEmpty() ? "/" : path;
    }

    @Override
    public List<String> headerValues(String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        while (values.hasMoreElements()) {
            out.add(values.nextElement());
        }
        return out;
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    @Override
    public String principal() {
        Principal principal = request.getUserPrincipal();
        return principal == null ? null : principal.getName();
    }

    @Override
    public String toString() {
        return "ServletRequestView{" + request.getMethod() + " " + path() + '}';
    }
}
