package dev.ratelimit.spring;

import dev.ratelimit.http.HttpRequestView;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A WebFlux request as the engine sees it. The principal is resolved before the view is made (it is asynchronous in
 * WebFlux).
 *
 * <p>Immutable; used by one request.
 */
final class WebFluxRequestView implements HttpRequestView {

    private final ServerHttpRequest request;
    private final String principal;

    WebFluxRequestView(ServerHttpRequest request, String principal) {
        this.request = request;
        this.principal = principal;
    }

    @Override
    public String method() {
        return request.getMethod().name();
    }

    /** The path within the application, without the context path and the query, not decoded. */
    @Override
    public String path() {
        return request.getPath().pathWithinApplication().value();
    }

    @Override
    public List<String> headerValues(String name) {
        List<String> values = request.getHeaders().get(name);
        return values == null ? List.of() : values;
    }

    @Override
    public String remoteAddress() {
        InetSocketAddress peer = request.getRemoteAddress();
        if (peer == null) {
            return null;
        }
        InetAddress address = peer.getAddress();
        return address != null ? address.getHostAddress() : peer.getHostString();
    }

    @Override
    public String principal() {
        return principal;
    }
}
