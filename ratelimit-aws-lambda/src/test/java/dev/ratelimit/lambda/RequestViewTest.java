package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request views over the fixtures, as the Lambda runtime deserializes them. */
class RequestViewTest {

    @Test
    void restApiViewReadsTheRequestContextNotTheForwardedHeader() {
        RestApiRequestView view = RestApiRequestView.of(Events.rest("rest-items-basic-key.json"));

        assertThat(view.method()).isEqualTo("GET");
        assertThat(view.path()).isEqualTo("/items");
        assertThat(view.remoteAddress()).isEqualTo("198.51.100.7");
        assertThat(view.header("X-Forwarded-For")).isEqualTo("10.9.9.9, 198.51.100.7");
        assertThat(view.principal()).isNull();
    }

    @Test
    void restApiHeadersAreCaseInsensitiveAndMultiValued() {
        RestApiRequestView view = RestApiRequestView.of(Events.rest("rest-items-basic-key.json"));

        assertThat(view.headerValues("accept")).containsExactly("application/json", "text/plain");
        assertThat(view.headerValues("ACCEPT")).containsExactly("application/json", "text/plain");
        assertThat(view.header("user-agent")).isEqualTo("curl/8.5.0");
        assertThat(view.headerValues("X-Missing")).isEmpty();
        assertThat(view.header("X-Missing")).isNull();
    }

    @Test
    void restApiWithoutMultiValueHeadersFallsBackToHeaders() {
        APIGatewayProxyRequestEvent event = Events.rest("rest-items-basic-key.json");
        event.setMultiValueHeaders(null);

        assertThat(RestApiRequestView.of(event).headerValues("accept")).containsExactly("text/plain");
    }

    @Test
    void restApiKeyIsTheOneApiGatewayValidatedWhenThereIsOne() {
        APIGatewayProxyRequestEvent event = Events.rest("rest-items-basic-key.json");
        event.getMultiValueHeaders().put("x-api-key", java.util.List.of("key-forged"));

        assertThat(RestApiRequestView.of(event).headerValues("X-API-Key")).containsExactly("key-basic-1");
    }

    @Test
    void restApiKeyIsTheHeaderWhenApiGatewayValidatedNone() {
        RestApiRequestView unknown = RestApiRequestView.of(Events.rest("rest-items-unknown-key.json"));
        RestApiRequestView none = RestApiRequestView.of(Events.rest("rest-items-no-key.json"));

        assertThat(unknown.header("x-api-key")).isEqualTo("key-nobody-knows");
        assertThat(none.header("x-api-key")).isNull();
    }

    @Test
    void restApiPrincipalIsTheCognitoSubThenUsernameThenPrincipalId() {
        APIGatewayProxyRequestEvent event = Events.rest("rest-upload-cognito.json");
        RestApiRequestView view = RestApiRequestView.of(event);
        assertThat(view.method()).isEqualTo("POST");
        assertThat(view.path()).isEqualTo("/upload");
        assertThat(view.principal()).isEqualTo("7f3e9a52-1c4b-4d8e-9a6f-0b1c2d3e4f50");

        event.getRequestContext().setAuthorizer(Map.of("claims", Map.of("cognito:username", "alice")));
        assertThat(view.principal()).isEqualTo("alice");

        event.getRequestContext().setAuthorizer(Map.of("principalId", "user-42", "integrationLatency", 12));
        assertThat(view.principal()).isEqualTo("user-42");
    }

    @Test
    void restApiEventWithoutRequestContextHasNoAddressKeyOrPrincipal() {
        APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent().withHttpMethod("GET");
        RestApiRequestView view = RestApiRequestView.of(event);

        assertThat(view.remoteAddress()).isNull();
        assertThat(view.principal()).isNull();
        assertThat(view.path()).isEqualTo("/");
        assertThat(view.headerValues("x-api-key")).isEmpty();
    }

    @Test
    void httpApiViewStripsTheStageAndReadsTheSourceIp() {
        HttpApiRequestView view = HttpApiRequestView.of(Events.http("http-items-basic-key.json"));

        assertThat(view.method()).isEqualTo("GET");
        assertThat(view.path()).isEqualTo("/items");
        assertThat(view.remoteAddress()).isEqualTo("198.51.100.8");
        assertThat(view.principal()).isNull();
    }

    @Test
    void httpApiHeadersAreOneCommaJoinedValueAsPayload2CarriesThem() {
        HttpApiRequestView view = HttpApiRequestView.of(Events.http("http-items-basic-key.json"));

        assertThat(view.headerValues("Accept")).containsExactly("application/json,text/plain");
        assertThat(view.headerValues("X-Forwarded-For")).containsExactly("10.9.9.9,198.51.100.8");
        assertThat(view.header("X-API-KEY")).isEqualTo("key-basic-1");
    }

    @Test
    void httpApiPrincipalIsTheJwtSubThenCognitoUsername() {
        APIGatewayV2HTTPEvent event = Events.http("http-upload-jwt.json");
        HttpApiRequestView view = HttpApiRequestView.of(event);
        assertThat(view.principal()).isEqualTo("0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d");

        event.getRequestContext().getAuthorizer().getJwt().setClaims(Map.of("cognito:username", "bob"));
        assertThat(HttpApiRequestView.of(event).principal()).isEqualTo("bob");
    }

    @Test
    void httpApiPathOnTheDefaultStageIsTheRawPath() {
        APIGatewayV2HTTPEvent event = Events.http("http-items-no-key.json");

        assertThat(HttpApiRequestView.of(event).path()).isEqualTo("/items");
    }

    @Test
    void nullEventIsRefusedByName() {
        assertThatThrownBy(() -> RestApiRequestView.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("event");
        assertThatThrownBy(() -> HttpApiRequestView.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("event");
    }
}
