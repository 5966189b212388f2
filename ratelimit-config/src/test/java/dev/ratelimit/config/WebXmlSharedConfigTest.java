package dev.ratelimit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testservers.DynamoDbLocal;
import dev.ratelimit.testservers.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A filter declared only in web.xml takes its configuration from a shared Redis key or DynamoDB item through
 * init-params: a limit published with {@link ConfigPublisher} is enforced over real HTTP (spent permits carried
 * over), a bad text is kept out (the old one enforced, the error reported naming the key), the filter's
 * {@code destroy} closes the connections it opened, the Redis password never reaches the log, and bad init-param
 * values fail the start naming the init-param and the value. The filter runs on the system clock (web.xml cannot
 * inject one): the texts are sliding logs over an hour, so no window boundary falls inside a test.
 */
class WebXmlSharedConfigTest {

    private static final String PASSWORD = "s3cret-Pw";
    private static final String TABLE = "ratelimit";
    private static RedisProcess redis;
    private static JedisPooled jedis;
    private static DynamoDbLocal dynamo;
    private static DynamoDbClient dynamoClient;

    @TempDir
    Path dir;

    private final String key = "cfg:" + UUID.randomUUID();

    @BeforeAll
    static void startServers() {
        // The default user may only PING (so the launcher sees the server up); the filter must log in as alice.
        redis = RedisProcess.start("--user", "default", "on", "nopass", "-@all", "+ping",
                "--user", "alice", "on", ">" + PASSWORD, "~*", "&*", "+@all");
        jedis = new JedisPooled(new HostAndPort("127.0.0.1", redis.port()), DefaultJedisClientConfig.builder()
                .user("alice").password(PASSWORD).socketTimeoutMillis(5_000).build());
        dynamo = DynamoDbLocal.start();
        dynamoClient = dynamo.client();
        DynamoDbStore.createTable(dynamoClient, TABLE);
    }

    @AfterAll
    static void stopServers() {
        jedis.close();
        redis.close();
        dynamoClient.close();
        dynamo.close();
    }

    private Map<String, String> redisParams() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("config", "redis://alice:" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0");
        params.put("configKey", key);
        params.put("configPollInterval", "10m"); // changes must arrive by push
        return params;
    }

    private Map<String, String> dynamoParams(String id) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("config", "dynamodb:" + TABLE);
        params.put("configKey", id);
        params.put("configEndpoint", dynamo.endpoint().toString());
        params.put("configRegion", "us-east-1");
        params.put("configPollInterval", "200ms");
        return params;
    }

    private static void awaitVersion(Gateway app, String version) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> app.engine().configStatus().version().equals(version));
    }

    /**
     * Version 1 (basic 2 per hour) is in force: publishes version 2 (4 per hour) and sees it enforced, dave's 2 spent
     * permits carried over.
     */
    private static void assertAPublishedLimitIsEnforced(Gateway app, ConfigPublisher publisher) throws Exception {
        assertThat(FleetTest.alternate("dave", 3, app)).containsExactly(200, 200, 429);
        long start = System.nanoTime();
        publisher.publish(Texts.HOURLY_V2, 1);
        awaitVersion(app, "2");
        System.out.printf("web.xml filter on %s: a publish in force after %.1f ms%n", app.engine().configStatus()
                .source().split(" ")[0], (System.nanoTime() - start) / 1e6);
        assertThat(FleetTest.alternate("dave", 3, app)).containsExactly(200, 200, 429);
    }

    @Test
    void aWebXmlFilterOnRedisEnforcesAPublishedLimitAndKeepsTheOldOneOnABadText() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(RedisSharedConfig.builder(jedis).key(key).build());
        publisher.publish(Texts.HOURLY_V1, 0);
        String log;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (Gateway app = Gateway.startWebXml(dir, redisParams())) {
            assertAPublishedLimitIsEnforced(app, publisher); // by push: polls are 10 minutes apart

            // The publisher refuses a typo; nothing is written.
            assertThatThrownBy(() -> publisher.publish(Texts.HOURLY_BAD, 2)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ratelimit.plan.basic.limits");
            // Written around the publisher: the filter keeps version 2 and reports the error naming the key.
            jedis.hset(key, Map.of("text", Texts.HOURLY_BAD, "version", "3"));
            jedis.publish(key, "3");
            assertBadTextKeptOut(app, "redis key " + key);
        } finally {
            System.setErr(err);
            log = captured.toString(StandardCharsets.UTF_8);
        }
        assertThat(log).contains("redis key " + key).contains("is invalid at key ratelimit.plan.basic.limits")
                .doesNotContain(PASSWORD);
        assertThat(log.split("is invalid at key", -1)).as("the bad text is logged once").hasSize(2);
    }

    /** Version 3 in the store is bad: the filter keeps version 2 (basic 4 per hour) and reports it naming the key. */
    private static void assertBadTextKeptOut(Gateway app, String source) throws Exception {
        RateLimitEngine engine = app.engine();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> engine.configStatus().rejected() == 1);
        ConfigStatus status = engine.configStatus();
        assertThat(status.version()).isEqualTo("2");
        assertThat(status.source()).isEqualTo(source);
        assertThat(status.lastError()).contains(source + " version 3", "ratelimit.plan.basic.limits", "4/1hour");
        assertThat(FleetTest.alternate("erin", 5, app)).containsExactly(200, 200, 200, 200, 429);
    }

    @Test
    void destroyClosesTheSubscriptionAndTheConnectionsTheFilterOpened() throws Exception {
        new ConfigPublisher(RedisSharedConfig.builder(jedis).key(key).build()).publish(Texts.HOURLY_V1, 0);
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            admin.auth("alice", PASSWORD);
            int before = clients(admin);
            Gateway app = Gateway.startWebXml(dir, redisParams());
            await().atMost(Duration.ofSeconds(5)).until(() -> admin.pubsubNumSub(key).get(key) == 1L);
            assertThat(app.get("/x", "dave")).isEqualTo(200);
            assertThat(clients(admin)).isGreaterThan(before);
            app.close();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> admin.pubsubNumSub(key).get(key) == 0L && clients(admin) <= before);
        }
    }

    private static int clients(Jedis admin) {
        return admin.clientList().split("\n").length;
    }

    @Test
    void aWebXmlFilterOnRedisWithoutPushFollowsByPolling() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(RedisSharedConfig.builder(jedis).key(key).build());
        publisher.publish(Texts.HOURLY_V1, 0);
        Map<String, String> params = redisParams();
        params.put("configPush", "false");
        params.put("configPollInterval", "100ms");
        try (Gateway app = Gateway.startWebXml(dir, params)) {
            publisher.publish(Texts.HOURLY_V2, 1);
            awaitVersion(app, "2");
            assertThat(FleetTest.alternate("dave", 5, app)).containsExactly(200, 200, 200, 200, 429);
            try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
                admin.auth("alice", PASSWORD);
                assertThat(admin.pubsubNumSub(key).get(key)).as("no subscription: polled only").isZero();
            }
        }
    }

    @Test
    void aWebXmlFilterOnDynamoDbEnforcesAPublishedLimitAndKeepsTheOldOneOnABadText() throws Exception {
        String id = "config:" + UUID.randomUUID();
        ConfigPublisher publisher = new ConfigPublisher(DynamoDbSharedConfig.builder(dynamoClient, TABLE).id(id)
                .build());
        publisher.publish(Texts.HOURLY_V1, 0);
        try (Gateway app = Gateway.startWebXml(dir, dynamoParams(id))) {
            assertAPublishedLimitIsEnforced(app, publisher);

            dynamoClient.putItem(r -> r.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(id),
                    "text", AttributeValue.fromS(Texts.HOURLY_BAD), "version", AttributeValue.fromN("3"))));
            assertBadTextKeptOut(app, "dynamodb table " + TABLE + " item pk=" + id);
        }
    }

    @Test
    void anEmptyKeyOrAnUnreachableStoreFailsTheStartNamingIt() throws Exception {
        assertThat(Gateway.webXmlStartFailure(dir, redisParams()))
                .contains("RateLimitFilter rateLimit", "redis key " + key, "holds no configuration")
                .doesNotContain(PASSWORD);
        Map<String, String> down = redisParams();
        down.put("config", "redis://alice:" + PASSWORD + "@127.0.0.1:" + RedisProcess.freePort(false));
        assertThat(Gateway.webXmlStartFailure(dir, down)).contains("could not read redis key " + key)
                .doesNotContain(PASSWORD);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "configPollInterval | 5x          | init-param configPollInterval=5x: expected a duration",
        "configPollInterval | PT5S    | init-param configPollInterval=PT5S: ISO-8601 durations are not used; write 5s",
        "configTimeout      | PT0.25S | init-param configTimeout=PT0.25S: ISO-8601 durations are not used; write 250ms",
        "configTimeout      | 0ms         | init-param configTimeout=0ms",
        "configPush         | maybe       | init-param configPush=maybe: expected true or false",
        "configKey          | ''          | init-param configKey is empty",
        "configRegion       | eu-west-1   | init-param configRegion=eu-west-1 applies only to DynamoDB",
        "configPollIntervall| 5s          | init-param configPollIntervall is not a setting of a shared configuration",
    })
    void aBadInitParamFailsTheStartNamingTheParamAndValue(String param, String value, String message)
            throws Exception {
        Map<String, String> params = redisParams();
        params.put(param, value);
        assertThat(Gateway.webXmlStartFailure(dir, params)).contains("RateLimitFilter rateLimit", message)
                .doesNotContain(PASSWORD);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "config         | redis://alice:" + PASSWORD + "@/0   | init-param config=redis://...: expected",
        "config         | redis://alice:" + PASSWORD + "@h:1/x | init-param config=redis://h:1/x: the path must",
        "config         | dynamodb:x                          | init-param config=dynamodb:x: the table name",
        "configEndpoint | localhost:8000                      | init-param configEndpoint=localhost:8000: expected",
        "configPush     | false                               | init-param configPush=false applies only to Redis",
    })
    void aBadLocationOrSettingOfTheOtherStoreFailsTheStartNamingIt(String param, String value, String message)
            throws Exception {
        Map<String, String> params = param.equals("config") && value.startsWith("redis") ? redisParams()
                : dynamoParams("config:x");
        params.put(param, value);
        assertThat(Gateway.webXmlStartFailure(dir, params)).contains(message).doesNotContain(PASSWORD);
    }

    @Test
    void theInitParamsAreTheSettingsOfSharedConfigLocation() {
        assertThat(List.of(SharedConfigLocation.LOCATION, SharedConfigLocation.KEY, SharedConfigLocation.POLL_INTERVAL,
                SharedConfigLocation.TIMEOUT, SharedConfigLocation.PUSH, SharedConfigLocation.KEY_ATTRIBUTE,
                SharedConfigLocation.REGION, SharedConfigLocation.ENDPOINT)).containsExactly("config", "configKey",
                "configPollInterval", "configTimeout", "configPush", "configKeyAttribute", "configRegion",
                "configEndpoint");
    }
}
