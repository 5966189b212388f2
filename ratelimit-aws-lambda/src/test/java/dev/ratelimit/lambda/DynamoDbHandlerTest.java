package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The decorated handlers invoked with the API Gateway fixtures, counters in DynamoDB Local (one table, a key prefix
 * per test), time from a {@link FakeClock} (the store on the caller's time).
 */
class DynamoDbHandlerTest {

    private static final String TABLE = "rate-limits";
    private static DynamoDbLocal local;
    private static DynamoDbClient client;
    private static int prefixes;

    private final FakeClock clock = new FakeClock();
    private final List<String> emf = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger status = new AtomicInteger(200);
    private DynamoDbStore store;
    private LambdaRateLimit limits;

    @BeforeAll
    static void startDynamoDb() {
        local = DynamoDbLocal.start();
        client = local.client();
        DynamoDbStore.createTable(client, TABLE);
    }

    @AfterAll
    static void stopDynamoDb() {
        client.close();
        local.close();
    }

    @BeforeEach
    void build() {
        store = DynamoDbStore.builder(client).tableName(TABLE).keyPrefix("t" + (++prefixes) + ":")
                .callerTime().build();
        limits = LambdaRateLimit.builder()
                .environment(Map.of())
                .properties(TestConfig.properties())
                .store(store)
                .timeSource(clock)
                .metricsOutput(emf::add)
                .build();
    }

    @AfterEach
    void close() {
        limits.close();
        store.close();
    }

    @Test
    void perIpLimitHoldsAndAForgedForwardedForChangesNothing() {
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler = limits.restApi(restApp());

        for (int i = 1; i <= 5; i++) {
            APIGatewayProxyRequestEvent event = premiumFrom("198.51.100.7");
            forgeForwardedFor(event, "10.0.0." + i + ", 198.51.100.7");
            assertThat(handler.handleRequest(event, null).getStatusCode()).as("request %d", i).isEqualTo(200);
        }
        APIGatewayProxyRequestEvent sixth = premiumFrom("198.51.100.7");
        forgeForwardedFor(sixth, "203.0.113.250");
        APIGatewayProxyResponseEvent denied = handler.handleRequest(sixth, null);

        assertThat(denied.getStatusCode()).isEqualTo(429);
        assertThat(denied.getHeaders()).containsEntry("RateLimit", "\"perIp\";r=0;t=1");
        assertThat(calls).hasValue(5);

        APIGatewayProxyRequestEvent otherClientSameForgery = premiumFrom("198.51.100.99");
        forgeForwardedFor(otherClientSameForgery, "10.0.0.1, 198.51.100.7");
        assertThat(handler.handleRequest(otherClientSameForgery, null).getStatusCode()).isEqualTo(200);
    }

    @Test
    void aDenialIsA429WithTheEngineHeadersAndProblemBodyAndNeverReachesTheHandler() {
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler = limits.restApi(restApp());
        for (int i = 0; i < 3; i++) {
            handler.handleRequest(Events.rest("rest-items-basic-key.json"), null);
        }
        APIGatewayProxyResponseEvent denied = handler.handleRequest(Events.rest("rest-items-basic-key.json"), null);

        assertThat(calls).hasValue(3);
        assertThat(denied.getStatusCode()).isEqualTo(429);
        assertThat(denied.getIsBase64Encoded()).isFalse();
        assertThat(denied.getHeaders())
                .containsEntry("Content-Type", "application/problem+json")
                .containsEntry("Retry-After", "1")
                .containsEntry("RateLimit-Policy",
                        "\"perIp\";q=5;w=1, \"perKey/1s\";q=3;w=1, \"perKey/1d\";q=10000;w=86400")
                .containsEntry("RateLimit", "\"perIp\";r=2;t=1, \"perKey/1s\";r=0;t=1")
                .containsKeys("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");
        assertThat(denied.getBody())
                .contains("\"status\":429")
                .contains("\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\"")
                .contains("\"policy\":\"perKey\"")
                .contains("\"retryAfter\":1");
        assertThat(emf).anyMatch(l -> l.contains("\"outcome\":\"throttled\",\"ratelimit.requests\":1}"));
    }

    @Test
    void perKeyLimitHoldsAcrossClientAddressesOnAnHttpApi() {
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = limits.httpApi(httpApp());

        for (int i = 1; i <= 3; i++) {
            APIGatewayV2HTTPEvent event = Events.http("http-items-basic-key.json");
            event.getRequestContext().getHttp().setSourceIp("192.0.2." + i);
            APIGatewayV2HTTPResponse ok = handler.handleRequest(event, null);
            assertThat(ok.getStatusCode()).isEqualTo(200);
            assertThat(ok.getHeaders()).containsEntry("RateLimit", "\"perIp\";r=4;t=1, \"perKey/1s\";r=" + (3 - i)
                    + ";t=1");
        }
        APIGatewayV2HTTPEvent fourth = Events.http("http-items-basic-key.json");
        fourth.getRequestContext().getHttp().setSourceIp("192.0.2.4");
        APIGatewayV2HTTPResponse denied = handler.handleRequest(fourth, null);

        assertThat(denied.getStatusCode()).isEqualTo(429);
        assertThat(denied.getHeaders()).containsEntry("Content-Type", "application/problem+json")
                .containsEntry("Retry-After", "1");
        assertThat(denied.getBody()).contains("\"policy\":\"perKey\"");
        assertThat(calls).hasValue(3);

        clock.advance(Duration.ofSeconds(1));
        assertThat(handler.handleRequest(fourth, null).getStatusCode()).isEqualTo(200);
    }

    @Test
    void aMissingOrUnknownKeyGetsTheEnginesAnswerOnBothPayloads() {
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> rest = limits.restApi(restApp());
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> http = limits.httpApi(httpApp());

        List<Integer> statuses = new ArrayList<>();
        List<String> challenges = new ArrayList<>();
        for (APIGatewayProxyResponseEvent r : List.of(
                rest.handleRequest(Events.rest("rest-items-no-key.json"), null),
                rest.handleRequest(Events.rest("rest-items-unknown-key.json"), null))) {
            statuses.add(r.getStatusCode());
            challenges.add(r.getHeaders().get("WWW-Authenticate"));
            assertThat(r.getHeaders()).containsEntry("Content-Type", "application/problem+json");
        }
        for (APIGatewayV2HTTPResponse r : List.of(
                http.handleRequest(Events.http("http-items-no-key.json"), null),
                http.handleRequest(Events.http("http-items-unknown-key.json"), null))) {
            statuses.add(r.getStatusCode());
            challenges.add(r.getHeaders().get("WWW-Authenticate"));
        }

        assertThat(statuses).containsOnly(401);
        assertThat(challenges).containsOnly("ApiKey realm=\"perKey\", header=\"X-API-Key\"");
        assertThat(calls).hasValue(0);
        assertThat(emf).anyMatch(l -> l.contains("\"outcome\":\"rejected\",\"ratelimit.requests\":1}"));
    }

    @Test
    void theSixthUploadIn24HoursPerUserIsDeniedWithTheExactWait() {
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = limits.httpApi(httpApp());

        for (int i = 0; i < 5; i++) {
            assertThat(handler.handleRequest(Events.http("http-upload-jwt.json"), null).getStatusCode())
                    .as("upload %d", i + 1).isEqualTo(200);
            clock.advance(Duration.ofHours(1));
        }
        APIGatewayV2HTTPResponse sixth = handler.handleRequest(Events.http("http-upload-jwt.json"), null);

        assertThat(sixth.getStatusCode()).isEqualTo(429);
        assertThat(sixth.getHeaders()).containsEntry("Retry-After", Long.toString(Duration.ofHours(19).toSeconds()));
        assertThat(sixth.getBody()).contains("\"policy\":\"upload\"").contains("\"retryAfter\":68400");

        APIGatewayV2HTTPEvent otherUser = Events.http("http-upload-jwt.json");
        otherUser.getRequestContext().getAuthorizer().getJwt().setClaims(Map.of("sub", "another-user"));
        assertThat(handler.handleRequest(otherUser, null).getStatusCode()).isEqualTo(200);

        clock.advance(Duration.ofHours(19).minusSeconds(1));
        assertThat(handler.handleRequest(Events.http("http-upload-jwt.json"), null).getHeaders())
                .containsEntry("Retry-After", "1");
        clock.advance(Duration.ofSeconds(1));
        assertThat(handler.handleRequest(Events.http("http-upload-jwt.json"), null).getStatusCode()).isEqualTo(200);
    }

    @Test
    void cognitoUsersOnARestApiGetTheirOwnUploadAllowance() {
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler = limits.restApi(restApp());

        for (int i = 0; i < 5; i++) {
            assertThat(handler.handleRequest(Events.rest("rest-upload-cognito.json"), null).getStatusCode())
                    .isEqualTo(200);
            clock.advance(Duration.ofMinutes(1));
        }
        APIGatewayProxyResponseEvent sixth = handler.handleRequest(Events.rest("rest-upload-cognito.json"), null);

        assertThat(sixth.getStatusCode()).isEqualTo(429);
        assertThat(sixth.getHeaders()).containsEntry("Retry-After",
                Long.toString(Duration.ofDays(1).minusMinutes(5).toSeconds()));
    }

    @Test
    void failedUploadsAreRefundedByStatusAndAnExceptionCountsAs500() {
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = limits.httpApi(httpApp());
        status.set(503);
        for (int i = 0; i < 5; i++) {
            assertThat(handler.handleRequest(Events.http("http-upload-jwt.json"), null).getStatusCode())
                    .isEqualTo(503);
            clock.advance(Duration.ofSeconds(1));
        }
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> throwing = limits.httpApi((e, c) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("upload bucket unavailable");
        });
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> throwing.handleRequest(Events.http("http-upload-jwt.json"), null))
                    .hasMessage("upload bucket unavailable");
            clock.advance(Duration.ofSeconds(1));
        }

        status.set(200);
        for (int i = 0; i < 5; i++) {
            assertThat(handler.handleRequest(Events.http("http-upload-jwt.json"), null).getStatusCode())
                    .as("upload %d after the failures", i + 1).isEqualTo(200);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(handler.handleRequest(Events.http("http-upload-jwt.json"), null).getStatusCode()).isEqualTo(429);
    }

    @Test
    void allowedResponsesGetTheHeadersReplacingTheApplicationsInAnySpelling() {
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler = limits.restApi((e, c) ->
                new APIGatewayProxyResponseEvent().withStatusCode(200)
                        .withHeaders(Map.of("ratelimit", "stale", "Content-Type", "application/json"))
                        .withMultiValueHeaders(Map.of("Set-Cookie", List.of("a=1", "b=2"),
                                "RATELIMIT-POLICY", List.of("stale")))
                        .withBody("{}"));

        APIGatewayProxyResponseEvent ok = handler.handleRequest(Events.rest("rest-items-basic-key.json"), null);

        assertThat(ok.getHeaders()).containsEntry("Content-Type", "application/json")
                .containsEntry("RateLimit", "\"perIp\";r=4;t=1, \"perKey/1s\";r=2;t=1")
                .doesNotContainKey("ratelimit")
                .containsEntry("X-RateLimit-Remaining", "2");
        assertThat(ok.getMultiValueHeaders()).containsOnlyKeys("Set-Cookie");
        assertThat(ok.getBody()).isEqualTo("{}");
    }

    private RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> restApp() {
        return (event, context) -> {
            calls.incrementAndGet();
            return new APIGatewayProxyResponseEvent().withStatusCode(status.get()).withBody("ok");
        };
    }

    private RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> httpApp() {
        return (event, context) -> {
            calls.incrementAndGet();
            return APIGatewayV2HTTPResponse.builder().withStatusCode(status.get()).withBody("ok").build();
        };
    }

    private static APIGatewayProxyRequestEvent premiumFrom(String sourceIp) {
        APIGatewayProxyRequestEvent event = Events.rest("rest-items-basic-key.json");
        event.getRequestContext().getIdentity().setSourceIp(sourceIp);
        event.getRequestContext().getIdentity().setApiKey("key-premium-1");
        return event;
    }

    private static void forgeForwardedFor(APIGatewayProxyRequestEvent event, String value) {
        event.getMultiValueHeaders().put("X-Forwarded-For", List.of(value));
        event.getHeaders().put("X-Forwarded-For", value);
    }
}
