package dev.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;

/** The path a request is matched on. Stateless. */
final class RequestPaths {

    private RequestPaths() {
    }

    /**
     * The path within the application: servlet path plus path info, which the container has already decoded and
     * normalised (so {@code /api/../health} cannot dodge a pattern), without the context path or query.
     */
    static String path(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = servletPath == null ? "" : servletPath;
        if (pathInfo != null) {
            path = path + pathInfo;
        }
        return path.isEmpty() ? "/" : path;
    }
}
