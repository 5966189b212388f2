package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.ratelimit.http.HttpRequestView;
import java.util.List;
import java.util.Objects;

/**
 * The {@link HttpRequestView} of an API Gateway HTTP API event (payload format 2.0, {@link APIGatewayV2HTTPEvent}).
 *
 * <table>
 *   <caption>Where each value comes from</caption>
 *   <tr><th>view</th><th>event</th></tr>
 *   <tr><td>{@link #method()}</td><td>{@code requestContext.http.method}</td></tr>
 *   <tr><td>{@link #path()}</td><td>{@code rawPath} without the stage: API Gateway puts a named stage in front
 *       ({@code /prod/items} on stage {@code prod}), the {@code $default} stage adds nothing. Percent-escapes are
 *       decoded once (except {@code %2F}, which stays, so segments stay segments), so {@code /%75pload} is
 *       {@code /upload} as the route it reaches is</td></tr>
 *   <tr><td>{@link #headerValues(String)}</td><td>{@code headers}: payload 2.0 lower-cases names and joins the
 *       values of a repeated header with commas into one value, so a repeated header is one value here;
 *       names compared case-insensitively</td></tr>
 *   <tr><td>{@link #remoteAddress()}</td><td>{@code requestContext.http.sourceIp}: API Gateway sets it from the
 *       connection, so no header a client sends ({@code X-Forwarded-For} included) changes it</td></tr>
 *   <tr><td>{@link #principal()}</td><td>the JWT authorizer's claims: {@code requestContext.authorizer.jwt.claims.sub},
 *       else {@code claims["cognito:username"]}; null without a JWT authorizer</td></tr>
 * </table>
 *
 * <p>HTTP APIs have no API keys of their own: {@code x-api-key} is the header as the client sent it.
 *
 * <p>The view reads the event when asked. A null map or a missing request context reads as no value, never as an
 * error. Not thread-safe (an event is not); the engine reads it on the invoking thread.
 */
public final class HttpApiRequestView implements HttpRequestView {

    private final APIGatewayV2HTTPEvent event;
    private String path;

    private HttpApiRequestView(APIGatewayV2HTTPEvent event) {
        this.event = event;
    }

    /**
     * The view of {@code event}.
     *
     * @param event an HTTP API event, payload 2.0
     * @return its view
     * @throws NullPointerException if event is null
     */
    public static HttpApiRequestView of(APIGatewayV2HTTPEvent event) {
        return new HttpApiRequestView(Objects.requireNonNull(event, "event"));
    }

    /**
     * {@code requestContext.http.method}.
     *
     * @return the method, or {@code GET} if the event has none
     */
    @Override
    public String method() {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        String method = context == null || context.getHttp() == null ? null : context.getHttp().getMethod();
        return method != null ? method : "GET";
    }

    /**
     * {@code rawPath} without the stage, percent-escapes other than {@code %2F} decoded.
     *
     * @return the path, {@code /} if the event has none
     */
    @Override
    public String path() {
        String p = path;
        if (p == null) {
            APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
            p = RawPaths.applicationPath(event.getRawPath(), context == null ? null : context.getStage());
            path = p;
        }
        return p;
    }

    /**
     * The value of the header {@code name} (case-insensitive) as payload 2.0 carries it: one value, the values of a
     * repeated header joined with commas.
     *
     * @param name a header name
     * @return a list of that one value; empty if none
     */
    @Override
    public List<String> headerValues(String name) {
        return Headers.singleValued(event.getHeaders(), name);
    }

    /**
     * {@code requestContext.http.sourceIp}.
     *
     * @return the client's address as API Gateway saw the connection, or null if the event has none
     */
    @Override
    public String remoteAddress() {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        return context == null || context.getHttp() == null ? null : context.getHttp().getSourceIp();
    }

    /**
     * The user the JWT authorizer established: the {@code sub} claim, else {@code cognito:username}.
     *
     * @return the user, or null without a JWT authorizer
     */
    @Override
    public String principal() {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        if (context == null || context.getAuthorizer() == null || context.getAuthorizer().getJwt() == null) {
            return null;
        }
        return Claims.user(context.getAuthorizer().getJwt().getClaims());
    }

    @Override
    public String toString() {
        return "HttpApiRequestView{" + method() + ' ' + path() + " from " + remoteAddress() + '}';
    }
}
