package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import dev.ratelimit.http.HttpRequestView;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link HttpRequestView} of an API Gateway REST API event (Lambda proxy integration, payload format 1.0,
 * {@link APIGatewayProxyRequestEvent}).
 *
 * <table>
 *   <caption>Where each value comes from</caption>
 *   <tr><th>view</th><th>event</th></tr>
 *   <tr><td>{@link #method()}</td><td>{@code httpMethod}</td></tr>
 *   <tr><td>{@link #path()}</td><td>{@code path}: the resource path without the stage, as API Gateway passes it
 *       (not {@code requestContext.path}, which starts with the stage)</td></tr>
 *   <tr><td>{@link #headerValues(String)}</td><td>{@code multiValueHeaders} (every value of a repeated header, in
 *       order), or {@code headers} when the event has no {@code multiValueHeaders}; names compared
 *       case-insensitively. {@code x-api-key} is the exception: see below</td></tr>
 *   <tr><td>{@link #remoteAddress()}</td><td>{@code requestContext.identity.sourceIp}: API Gateway sets it from the
 *       connection, so no header a client sends ({@code X-Forwarded-For} included) changes it</td></tr>
 *   <tr><td>{@link #principal()}</td><td>the authorizer's claims: {@code requestContext.authorizer.claims.sub}
 *       (Cognito user pool authorizer), else {@code claims["cognito:username"]}, else
 *       {@code requestContext.authorizer.principalId} (Lambda authorizer); null without an authorizer</td></tr>
 * </table>
 *
 * <p><b>API keys.</b> When API Gateway validated an API key ({@code requestContext.identity.apiKey} is set: the method
 * requires a key), {@code headerValues("x-api-key")} is that one key, whatever the client sent; otherwise it is the
 * {@code x-api-key} header as sent. A policy keyed {@code header:x-api-key} therefore sees the validated key when
 * there is one.
 *
 * <p>Nothing is copied: the view reads the event when asked. A null map or a missing request context reads as no
 * value (an event from the Lambda console's test button has no {@code requestContext}), never as an error.
 *
 * <p>Not thread-safe (an event is not); the engine reads it on the invoking thread.
 */
public final class RestApiRequestView implements HttpRequestView {

    /** The header API Gateway reads API keys from. */
    static final String API_KEY_HEADER = "x-api-key";

    private final APIGatewayProxyRequestEvent event;

    private RestApiRequestView(APIGatewayProxyRequestEvent event) {
        this.event = event;
    }

    /**
     * The view of {@code event}.
     *
     * @param event a REST API proxy event
     * @return its view
     * @throws NullPointerException if event is null
     */
    public static RestApiRequestView of(APIGatewayProxyRequestEvent event) {
        return new RestApiRequestView(Objects.requireNonNull(event, "event"));
    }

    /**
     * The event's {@code httpMethod}.
     *
     * @return the method as API Gateway passed it, or {@code GET} if the event has none
     */
    @Override
    public String method() {
        String method = event.getHttpMethod();
        return method != null ? method : "GET";
    }

    /**
     * The event's {@code path}: the path of the resource, without the stage and without the query.
     *
     * @return the path, {@code /} if the event has none
     */
    @Override
    public String path() {
        String path = event.getPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    /**
     * Every value of the header {@code name}, case-insensitively, from {@code multiValueHeaders} (or
     * {@code headers}); for {@code x-api-key} the key API Gateway validated, if it validated one.
     *
     * @param name a header name
     * @return the values in the order received; empty if none
     */
    @Override
    public List<String> headerValues(String name) {
        if (API_KEY_HEADER.equalsIgnoreCase(name)) {
            String validated = validatedApiKey();
            if (validated != null) {
                return List.of(validated);
            }
        }
        Map<String, List<String>> multi = event.getMultiValueHeaders();
        if (multi != null) {
            return Headers.multiValued(multi, name);
        }
        return Headers.singleValued(event.getHeaders(), name);
    }

    /**
     * {@code requestContext.identity.sourceIp}.
     *
     * @return the client's address as API Gateway saw the connection, or null if the event has no identity
     */
    @Override
    public String remoteAddress() {
        APIGatewayProxyRequestEvent.ProxyRequestContext context = event.getRequestContext();
        if (context == null || context.getIdentity() == null) {
            return null;
        }
        return context.getIdentity().getSourceIp();
    }

    /**
     * The user the authorizer established: the {@code sub} claim, else {@code cognito:username}, else the Lambda
     * authorizer's {@code principalId}.
     *
     * @return the user, or null without an authorizer
     */
    @Override
    public String principal() {
        APIGatewayProxyRequestEvent.ProxyRequestContext context = event.getRequestContext();
        if (context == null || context.getAuthorizer() == null) {
            return null;
        }
        Map<String, Object> authorizer = context.getAuthorizer();
        String user = Claims.user(authorizer.get("claims"));
        return user != null ? user : Claims.text(authorizer.get("principalId"));
    }

    private String validatedApiKey() {
        APIGatewayProxyRequestEvent.ProxyRequestContext context = event.getRequestContext();
        if (context == null || context.getIdentity() == null) {
            return null;
        }
        String key = context.getIdentity().getApiKey();
        return key == null || key.isEmpty() ? null : key;
    }

    @Override
    public String toString() {
        return "RestApiRequestView{" + method() + ' ' + path() + " from " + remoteAddress() + '}';
    }
}
