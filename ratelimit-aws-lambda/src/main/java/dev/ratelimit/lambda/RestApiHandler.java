package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ratelimit.http.HttpRequestView;
import dev.ratelimit.http.RateLimitEngine;
import java.util.List;
import java.util.Map;

/** A REST API (payload 1.0) handler behind the engine; see {@link LambdaRateLimit}. Thread-safe if its handler is. */
final class RestApiHandler extends DecoratedHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    RestApiHandler(RateLimitEngine engine, EmbeddedMetrics metrics, InvocationPolling polling,
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler) {
        super(engine, metrics, polling, handler);
    }

    @Override
    HttpRequestView view(APIGatewayProxyRequestEvent event) {
        return RestApiRequestView.of(event);
    }

    @Override
    Integer status(APIGatewayProxyResponseEvent response) {
        return response.getStatusCode();
    }

    @Override
    APIGatewayProxyResponseEvent response(int status, Map<String, String> headers, String body) {
        return new APIGatewayProxyResponseEvent().withStatusCode(status).withHeaders(headers).withBody(body)
                .withIsBase64Encoded(false);
    }

    @Override
    Map<String, String> headers(APIGatewayProxyResponseEvent response) {
        return response.getHeaders();
    }

    @Override
    Map<String, List<String>> multiValueHeaders(APIGatewayProxyResponseEvent response) {
        return response.getMultiValueHeaders();
    }

    @Override
    void setHeaders(APIGatewayProxyResponseEvent response, Map<String, String> headers) {
        response.setHeaders(headers);
    }

    @Override
    void setMultiValueHeaders(APIGatewayProxyResponseEvent response, Map<String, List<String>> headers) {
        response.setMultiValueHeaders(headers);
    }
}
