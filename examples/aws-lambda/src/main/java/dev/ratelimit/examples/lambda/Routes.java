package dev.ratelimit.examples.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.Base64;
import java.util.Map;

/**
 * The application, unaware of rate limits: {@code GET /items} lists items, {@code POST /upload} accepts a file.
 * Stateless and thread-safe.
 */
public final class Routes implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    /** Creates the routes. */
    public Routes() {
    }

    /**
     * Answers {@code GET /items} with a JSON list and {@code POST /upload} with 201 and the size received; 404
     * otherwise.
     *
     * @param event the REST API event
     * @param context the invocation's context
     * @return the response
     */
    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        String route = event.getHttpMethod() + " " + event.getPath();
        return switch (route) {
            case "GET /items" -> json(200, "[{\"id\":1,\"name\":\"first\"},{\"id\":2,\"name\":\"second\"}]");
            case "POST /upload" -> json(201, "{\"received\":" + size(event) + "}");
            default -> json(404, "{\"error\":\"no route " + route.replaceAll("[^A-Za-z0-9 /._-]", "?") + "\"}");
        };
    }

    private static int size(APIGatewayProxyRequestEvent event) {
        String body = event.getBody();
        if (body == null) {
            return 0;
        }
        return Boolean.TRUE.equals(event.getIsBase64Encoded()) ? Base64.getDecoder().decode(body).length
                : body.length();
    }

    private static APIGatewayProxyResponseEvent json(int status, String body) {
        return new APIGatewayProxyResponseEvent().withStatusCode(status)
                .withHeaders(Map.of("Content-Type", "application/json")).withBody(body);
    }
}
