package dev.ratelimit.examples.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ratelimit.lambda.LambdaRateLimit;

/**
 * The function API Gateway invokes ({@code Handler: dev.ratelimit.examples.lambda.ApiFunction::handleRequest} in
 * template.yaml): {@link Routes} behind the rate limits of {@code ratelimit.properties} and the environment.
 *
 * <p>Lambda creates one instance per execution environment, in its init phase; the constructor builds the limits
 * there (configuration, DynamoDB client, one table check), so every invocation reuses them, and a bad configuration
 * fails the init with a message naming the key, instead of every request. Thread-safe.
 */
public final class ApiFunction implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    private final RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> limited;

    /** Builds the rate limits from the environment; Lambda calls this once per execution environment. */
    public ApiFunction() {
        this.limited = LambdaRateLimit.fromEnvironment().restApi(new Routes());
    }

    /**
     * Answers one request, or 429/401 without calling {@link Routes}.
     *
     * @param event the REST API event
     * @param context the invocation's context
     * @return the response
     */
    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        return limited.handleRequest(event, context);
    }
}
