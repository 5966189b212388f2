package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ratelimit.http.HttpRequestView;
import dev.ratelimit.http.RateLimitEngine;
import java.util.List;
import java.util.Map;

/** An HTTP API (payload 2.0) handler behind the engine; see {@link LambdaRateLimit}. Thread-safe if its handler is. */
final class HttpApiHandler extends DecoratedHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    HttpApiHandler(RateLimitEngine engine, EmbeddedMetrics metrics, InvocationPolling polling,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
        super(engine, metrics, polling, handler);
    }

    @Override
    HttpRequestView view(APIGatewayV2HTTPEvent event) {
        return HttpApiRequestView.of(event);
    }

    @Override
    Integer status(APIGatewayV2HTTPResponse response) {
        return response.getStatusCode();
    }

    @Override
    APIGatewayV2HTTPResponse response(int status, Map<String, String> headers, String body) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(headers).withBody(body)
                .withIsBase64Encoded(false).build();
    }

    @Override
    Map<String, String> headers(APIGatewayV2HTTPResponse response) {
        return response.getHeaders();
    }

    @Override
    Map<String, List<String>> multiValueHeaders(APIGatewayV2HTTPResponse response) {
        return response.getMultiValueHeaders();
    }

    @Override
    void setHeaders(APIGatewayV2HTTPResponse response, Map<String, String> headers) {
        response.setHeaders(headers);
    }

    @Override
    void setMultiValueHeaders(APIGatewayV2HTTPResponse response, Map<String, List<String>> headers) {
        response.setMultiValueHeaders(headers);
    }
}
