package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Where the configuration comes from: the properties file, environment variables on top, the DynamoDB store built
 * from the environment alone (as a deployed function builds it), and errors that name the file or variable.
 */
class ConfigurationTest {

    private static DynamoDbLocal local;
    private static DynamoDbClient client;

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client();
        DynamoDbStore.createTable(client, "env-table");
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    @Test
    void fromEnvironmentIsBuiltOnceAndReusedByEveryInvocation() {
        LambdaRateLimit first = LambdaRateLimit.fromEnvironment();

        assertThat(LambdaRateLimit.fromEnvironment()).isSameAs(first);
        assertThat(first.engine().config().policies()).extracting(p -> p.name()).containsExactly("perIp");
    }

    @Test
    void anEnvironmentVariableWinsOverTheSameKeyInTheFile() {
        List<String> emf = new ArrayList<>();
        try (LambdaRateLimit limits = LambdaRateLimit.builder()
                .configLocation("classpath:lambda-test.properties")
                .environment(Map.of("RATELIMIT_POLICY__perIp__LIMITS", "2/1m"))
                .metricsOutput(emf::add)
                .build()) {
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler = limits.restApi(ok());

            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                statuses.add(handler.handleRequest(Events.rest("rest-items-no-key.json"), null).getStatusCode());
            }
            assertThat(statuses).containsExactly(200, 200, 429);
            assertThat(emf).allMatch(l -> l.contains("\"Namespace\":\"FromTheFile\""));
        }
    }

    @Test
    void theDynamoDbStoreComesFromTheEnvironmentAloneAndIsSharedByEveryExecutionEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("RATELIMIT_POLICIES", "perIp");
        env.put("RATELIMIT_POLICY__perIp__KEY", "ip");
        env.put("RATELIMIT_POLICY__perIp__LIMITS", "3/1h");
        env.put("RATELIMIT_STORE", "dynamodb");
        env.put("RATELIMIT_STORE_TABLE", "env-table");
        env.put("RATELIMIT_STORE_ENDPOINT", local.endpoint().toString());
        env.put("RATELIMIT_STORE_TIMEOUT", "2s");
        env.put("RATELIMIT_METRICS", "off");
        try (LambdaRateLimit one = LambdaRateLimit.builder().properties(new Properties()).environment(env).build();
                LambdaRateLimit two = LambdaRateLimit.builder().properties(new Properties()).environment(env)
                        .build()) {
            assertThat(one.metrics()).isNull();
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> a = one.restApi(ok());
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> b = two.restApi(ok());

            assertThat(a.handleRequest(Events.rest("rest-items-no-key.json"), null).getStatusCode()).isEqualTo(200);
            assertThat(b.handleRequest(Events.rest("rest-items-no-key.json"), null).getStatusCode()).isEqualTo(200);
            assertThat(a.handleRequest(Events.rest("rest-items-no-key.json"), null).getStatusCode()).isEqualTo(200);
            assertThat(b.handleRequest(Events.rest("rest-items-no-key.json"), null).getStatusCode()).isEqualTo(429);
        }
        assertThat(client.scan(b -> b.tableName("env-table")).items()).isNotEmpty();
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariableTheKeyAndTheValue() {
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_POLICY__perIp__LIMITS", "100 per minute")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("RATELIMIT_POLICY__perIp__LIMITS")
                .hasMessageContaining("ratelimit.policy.perIp.limits")
                .hasMessageContaining("100 per minute");
    }

    @Test
    void aVariableThatIsNoKeyIsRefusedNamingIt() {
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_POLICY__perIp__LIMIT", "5/1s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RATELIMIT_POLICY__perIp__LIMIT")
                .hasMessageContaining("'LIMIT' is not a word");
    }

    @Test
    void theStoreKeysAreChecked() {
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_STORE", "dynamodb")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratelimit.store.table")
                .hasMessageContaining("RATELIMIT_STORE_TABLE");
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_STORE", "redis")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable RATELIMIT_STORE: ratelimit.store=redis")
                .hasMessageContaining("expected memory or dynamodb");
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_STORE_TABLE", "t")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("applies only with ratelimit.store=dynamodb");
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_STORE", "dynamodb", "RATELIMIT_STORE_TABLE", "t",
                "RATELIMIT_STORE_TIMEOUT", "PT1S")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratelimit.store.timeout=PT1S");
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_METRICS", "prometheus")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected emf or off");
    }

    @Test
    void aMissingTableFailsTheBuildNamingTheTable() {
        assertThatThrownBy(() -> build(Map.of("RATELIMIT_STORE", "dynamodb", "RATELIMIT_STORE_TABLE", "no-such-table",
                "RATELIMIT_STORE_ENDPOINT", local.endpoint().toString())))
                .hasMessageContaining("no-such-table");
    }

    @Test
    void fileErrorsNameTheFile() {
        assertThatThrownBy(() -> LambdaRateLimit.builder().environment(Map.of())
                .configLocation("classpath:duplicate.properties").build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("classpath:duplicate.properties")
                .hasMessageContaining("ratelimit.policy.perIp.limits is written twice");
        assertThatThrownBy(() -> LambdaRateLimit.builder()
                .environment(Map.of("RATELIMIT_CONFIG", "classpath:absent.properties")).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("classpath:absent.properties was not found");
        assertThatThrownBy(() -> LambdaRateLimit.builder().environment(Map.of())
                .configLocation("/etc/ratelimit.properties").build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must start with classpath: or file:");
    }

    private static LambdaRateLimit build(Map<String, String> env) {
        LambdaRateLimit built = LambdaRateLimit.builder().configLocation("classpath:lambda-test.properties")
                .environment(env).build();
        built.close();
        return built;
    }

    private static RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> ok() {
        return (event, context) -> new APIGatewayProxyResponseEvent().withStatusCode(200);
    }
}
