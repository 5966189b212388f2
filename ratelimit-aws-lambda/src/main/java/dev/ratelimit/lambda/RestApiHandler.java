package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ratelimit.http.Evaluation;
import dev.ratelimit.http.HttpHeader;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.http.ResponseValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A REST API (payload 1.0) handler behind the engine; see {@link LambdaRateLimit}. Thread-safe if its handler is. */
final class RestApiHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    private final RateLimitEngine engine;
    private final EmbeddedMetrics metrics;
    private final RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler;

    RestApiHandler(RateLimitEngine engine, EmbeddedMetrics metrics,
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler) {
        this.engine = engine;
        this.metrics = metrics;
        this.handler = handler;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        try {
            Evaluation evaluation = engine.evaluate(RestApiRequestView.of(event));
            if (!evaluation.proceed()) {
                ResponseValues rejection = evaluation.rejection();
                if (metrics != null) {
                    metrics.request(false, rejection.status());
                }
                return rejection(rejection);
            }
            if (metrics != null) {
                metrics.request(true, 0);
            }
            int status = 500;
            try {
                APIGatewayProxyResponseEvent response = handler.handleRequest(event, context);
                status = response == null || response.getStatusCode() == null ? 502 : response.getStatusCode();
                if (response != null) {
                    addHeaders(response, evaluation.responseHeaders());
                }
                return response;
            } finally {
                evaluation.complete(status);
            }
        } finally {
            if (metrics != null) {
                metrics.flush();
            }
        }
    }

    private static APIGatewayProxyResponseEvent rejection(ResponseValues values) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpHeader h : values.headers()) {
            headers.merge(h.name(), h.value(), (a, b) -> a + ", " + b);
        }
        headers.put("Content-Type", values.contentType());
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(values.status())
                .withHeaders(headers)
                .withBody(values.body())
                .withIsBase64Encoded(false);
    }

    private static void addHeaders(APIGatewayProxyResponseEvent response, List<HttpHeader> add) {
        if (add.isEmpty()) {
            return;
        }
        Map<String, String> headers = response.getHeaders() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(response.getHeaders());
        Map<String, List<String>> multi = response.getMultiValueHeaders() == null ? null
                : new LinkedHashMap<>(response.getMultiValueHeaders());
        for (HttpHeader h : add) {
            Headers.removeIgnoringCase(headers, h.name());
            Headers.removeIgnoringCase(multi, h.name());
        }
        for (HttpHeader h : add) {
            headers.merge(h.name(), h.value(), (a, b) -> a + ", " + b);
        }
        response.setHeaders(headers);
        if (multi != null) {
            response.setMultiValueHeaders(multi);
        }
    }

    @Override
    public String toString() {
        return "rate-limited " + handler;
    }
}
