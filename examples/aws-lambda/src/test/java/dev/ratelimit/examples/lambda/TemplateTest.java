package dev.ratelimit.examples.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.lambda.EnvironmentConfig;
import dev.ratelimit.lambda.LambdaRateLimit;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * template.yaml checked as far as this machine allows: it parses, its table is one the store accepts and writes its
 * TTL attribute into, its function's handler and environment are what the code reads, its IAM policy allows what the
 * store calls, and its alarm watches the metric the function writes. Then the function's own configuration (the
 * properties file plus the template's environment) limits requests as the README says, against DynamoDB Local.
 */
class TemplateTest {

    private static final String STACK = "rl-example";
    private static SamTemplate template;
    private static DynamoDbLocal local;
    private static DynamoDbClient client;

    @BeforeAll
    static void setUp() throws Exception {
        template = SamTemplate.load(Path.of("template.yaml"), STACK);
        local = DynamoDbLocal.start();
        client = local.client();
        createTableAsTheTemplateDeclaresIt();
    }

    @AfterAll
    static void tearDown() {
        client.close();
        local.close();
    }

    @Test
    void theTableHasTheKeySchemaAndTtlAttributeTheStoreWrites() {
        Map<String, Object> table = template.properties("RateLimitTable");
        assertThat(table).containsEntry("BillingMode", "PAY_PER_REQUEST");
        assertThat(SamTemplate.list(table, "KeySchema"))
                .containsExactly(Map.of("AttributeName", "pk", "KeyType", "HASH"));
        assertThat(SamTemplate.list(table, "AttributeDefinitions"))
                .containsExactly(Map.of("AttributeName", "pk", "AttributeType", "S"));
        String ttl = (String) SamTemplate.map(table, "TimeToLiveSpecification").get("AttributeName");
        assertThat(SamTemplate.map(table, "TimeToLiveSpecification")).containsEntry("Enabled", true);

        // build() checks the key schema (a wrong one fails with a named error); a decision writes an item.
        try (DynamoDbStore store = DynamoDbStore.builder(client).tableName(tableName()).build();
                LambdaRateLimit limits = limits(store, new FakeClock(), new ArrayList<>())) {
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler =
                    limits.restApi(new Routes());
            assertThat(handler.handleRequest(items("key-basic-1", "192.0.2.1"), null).getStatusCode()).isEqualTo(200);
        }
        List<Map<String, AttributeValue>> items = client.scan(b -> b.tableName(tableName())).items();
        assertThat(items).isNotEmpty().allSatisfy(item -> assertThat(item).containsKeys("pk", ttl));
    }

    @Test
    void theFunctionIsTheHandlerClassAndItsVariablesAreConfigurationKeys() throws Exception {
        Map<String, Object> function = template.properties("ApiFunction");
        String handler = (String) function.get("Handler");
        Class<?> type = Class.forName(handler.substring(0, handler.indexOf("::")));
        assertThat(RequestHandler.class).isAssignableFrom(type);
        assertThat(handler).endsWith("::handleRequest");
        assertThat(function).containsEntry("CodeUri", "target/function.jar");
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>function</finalName>");

        Map<String, Object> variables = SamTemplate.map(SamTemplate.map(function, "Environment"), "Variables");
        assertThat(variables.get("RATELIMIT_STORE_TABLE")).isEqualTo(Map.of("!Ref", "RateLimitTable"));
        for (String variable : variables.keySet()) {
            if (variable.startsWith(EnvironmentConfig.PREFIX)) {
                String key = EnvironmentConfig.key(variable);
                assertThat(EnvironmentConfig.variable(key)).isEqualTo(variable);
            }
        }
    }

    @Test
    void theFunctionMayCallWhatTheStoreCalls() {
        Map<String, Object> statement = SamTemplate.cast(SamTemplate.list(SamTemplate.cast(
                SamTemplate.list(template.properties("ApiFunction"), "Policies").get(0)), "Statement").get(0));
        // ratelimit-dynamodb's README, IAM: the decisions, and the table check build() makes.
        assertThat(SamTemplate.list(statement, "Action")).containsExactlyInAnyOrder("dynamodb:UpdateItem",
                "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable",
                "dynamodb:DescribeTimeToLive");
        assertThat(statement.get("Resource")).isEqualTo(Map.of("!GetAtt", "RateLimitTable.Arn"));
    }

    @Test
    void aBasicKeyGets100PerSecondAndTheAlarmWatchesTheThrottledLineTheFunctionWrites() {
        List<String> emf = new ArrayList<>();
        FakeClock clock = new FakeClock();
        try (DynamoDbStore store = DynamoDbStore.builder(client).tableName(tableName()).keyPrefix("basic:")
                .callerTime().build();
                LambdaRateLimit limits = limits(store, clock, emf)) {
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler =
                    limits.restApi(new Routes());
            for (int i = 0; i < 100; i++) {
                assertThat(handler.handleRequest(items("key-basic-2", "192.0.2." + (i % 50)), null).getStatusCode())
                        .as("request %d", i + 1).isEqualTo(200);
            }
            emf.clear();
            APIGatewayProxyResponseEvent denied = handler.handleRequest(items("key-basic-2", "192.0.2.77"), null);
            assertThat(denied.getStatusCode()).isEqualTo(429);
            assertThat(denied.getHeaders()).containsEntry("Retry-After", "1");
            assertThat(handler.handleRequest(items("key-premium-1", "192.0.2.77"), null).getStatusCode())
                    .isEqualTo(200);
        }

        Map<String, Object> alarm = template.properties("ThrottledAlarm");
        Map<String, Object> line = SamTemplate.cast(new Yaml().load(emf.stream()
                .filter(l -> l.contains("\"ratelimit.requests\"") && l.contains("throttled")).findFirst().orElseThrow()));
        Map<String, Object> directive = SamTemplate.cast(SamTemplate.list(SamTemplate.map(line, "_aws"),
                "CloudWatchMetrics").get(0));
        assertThat(directive.get("Namespace")).isEqualTo(template.resolve(alarm.get("Namespace")));
        assertThat(SamTemplate.list(directive, "Metrics")).containsExactly(
                Map.of("Name", alarm.get("MetricName"), "Unit", "Count"));
        Map<String, Object> dimension = SamTemplate.cast(SamTemplate.list(alarm, "Dimensions").get(0));
        assertThat(SamTemplate.list(directive, "Dimensions")).contains(List.of(dimension.get("Name")));
        assertThat(line).containsEntry((String) dimension.get("Name"), dimension.get("Value"));
    }

    @Test
    void theSixthUploadOfAUserIn24HoursIsDeniedWithTheExactWait() {
        FakeClock clock = new FakeClock();
        try (DynamoDbStore store = DynamoDbStore.builder(client).tableName(tableName()).keyPrefix("uploads:")
                .callerTime().build();
                LambdaRateLimit limits = limits(store, clock, new ArrayList<>())) {
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler =
                    limits.restApi(new Routes());
            for (int i = 0; i < 5; i++) {
                assertThat(handler.handleRequest(upload("alice-sub"), null).getStatusCode()).isEqualTo(201);
                clock.advance(Duration.ofHours(2));
            }
            APIGatewayProxyResponseEvent sixth = handler.handleRequest(upload("alice-sub"), null);

            assertThat(sixth.getStatusCode()).isEqualTo(429);
            assertThat(sixth.getHeaders()).containsEntry("Retry-After", Long.toString(Duration.ofHours(14).toSeconds()));
            assertThat(handler.handleRequest(upload("bob-sub"), null).getStatusCode()).isEqualTo(201);
        }
    }

    /** The function's configuration: its ratelimit.properties and the template's variables, on {@code store}. */
    private static LambdaRateLimit limits(DynamoDbStore store, FakeClock clock, List<String> emf) {
        Map<String, String> environment = new LinkedHashMap<>();
        Map<String, Object> variables = SamTemplate.map(SamTemplate.map(template.properties("ApiFunction"),
                "Environment"), "Variables");
        variables.forEach((name, value) -> environment.put(name, template.resolve(value)));
        return LambdaRateLimit.builder()
                .environment(environment)
                .configLocation("classpath:ratelimit.properties")
                .store(store)
                .timeSource(clock)
                .metricsOutput(emf::add)
                .build();
    }

    private static void createTableAsTheTemplateDeclaresIt() {
        Map<String, Object> table = template.properties("RateLimitTable");
        Map<String, Object> key = SamTemplate.cast(SamTemplate.list(table, "KeySchema").get(0));
        Map<String, Object> attribute = SamTemplate.cast(SamTemplate.list(table, "AttributeDefinitions").get(0));
        client.createTable(b -> b.tableName(tableName())
                .billingMode(BillingMode.fromValue((String) table.get("BillingMode")))
                .keySchema(KeySchemaElement.builder().attributeName((String) key.get("AttributeName"))
                        .keyType(KeyType.fromValue((String) key.get("KeyType"))).build())
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName((String) attribute.get("AttributeName"))
                        .attributeType(ScalarAttributeType.fromValue((String) attribute.get("AttributeType")))
                        .build()));
        Map<String, Object> ttl = SamTemplate.map(table, "TimeToLiveSpecification");
        client.updateTimeToLive(b -> b.tableName(tableName()).timeToLiveSpecification(s -> s
                .attributeName((String) ttl.get("AttributeName")).enabled((Boolean) ttl.get("Enabled"))));
    }

    /** The table's name in this test: what !Ref RateLimitTable resolves to. */
    private static String tableName() {
        return template.resolve(Map.of("!Ref", "RateLimitTable"));
    }

    private static APIGatewayProxyRequestEvent items(String apiKey, String sourceIp) {
        return event("GET", "/items", sourceIp).withHeaders(Map.of("x-api-key", apiKey))
                .withMultiValueHeaders(Map.of("x-api-key", List.of(apiKey)));
    }

    private static APIGatewayProxyRequestEvent upload(String sub) {
        APIGatewayProxyRequestEvent event = event("POST", "/upload", "198.51.100.30")
                .withHeaders(Map.of("x-api-key", "key-premium-1"))
                .withMultiValueHeaders(Map.of("x-api-key", List.of("key-premium-1")))
                .withBody("aGVsbG8=").withIsBase64Encoded(true);
        event.getRequestContext().setAuthorizer(Map.of("claims", Map.of("sub", sub, "cognito:username", "u")));
        return event;
    }

    private static APIGatewayProxyRequestEvent event(String method, String path, String sourceIp) {
        return new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path).withResource(path)
                .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext().withStage("prod")
                        .withIdentity(new APIGatewayProxyRequestEvent.RequestIdentity().withSourceIp(sourceIp)));
    }
}
