package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ratelimit.config.ConfigPublisher;
import dev.ratelimit.config.DynamoDbSharedConfig;
import dev.ratelimit.config.RedisSharedConfig;
import dev.ratelimit.config.SharedConfig;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import dev.ratelimit.testservers.RedisProcess;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A function configured only by environment variables takes its limits from a shared Redis key or DynamoDB item
 * (a real redis-server, DynamoDB Local): the invocations poll it, at most once per poll interval on the function's
 * clock (a {@link FakeClock}), so a published change is enforced by the first invocation after the interval, with
 * spent permits carried over; a bad text is kept out and reported naming the key; nothing subscribes; and the
 * settings are checked naming the variable.
 */
class SharedConfigFunctionTest {

    /** One policy per API key on plans: basic is 2 per hour (a sliding log: no window boundary in a test). */
    private static final String V1 = """
            ratelimit.policies=perKey
            ratelimit.policy.perKey.key=header:X-API-Key
            ratelimit.policy.perKey.plans=true
            ratelimit.policy.perKey.algorithm=SLIDING_LOG
            ratelimit.plan.basic.limits=2/1h
            ratelimit.planKeys.basic=key-basic-1
            ratelimit.defaultPlan=reject
            """;
    private static final String V2 = V1.replace("basic.limits=2/1h", "basic.limits=4/1h");
    private static final String BAD = V2.replace("basic.limits=4/1h", "basic.limits=4/1hour");
    private static final String TABLE = "config";

    private static RedisProcess redis;
    private static JedisPooled jedis;
    private static DynamoDbLocal dynamo;
    private static DynamoDbClient dynamoClient;

    private final FakeClock clock = new FakeClock();
    private final String key = "cfg:" + UUID.randomUUID();

    @BeforeAll
    static void startServers() {
        redis = RedisProcess.start();
        jedis = new JedisPooled(new HostAndPort("127.0.0.1", redis.port()));
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

    private Map<String, String> redisEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("RATELIMIT_CONFIG", "redis://127.0.0.1:" + redis.port());
        env.put("RATELIMIT_CONFIG_KEY", key);
        env.put("RATELIMIT_CONFIG_POLL_INTERVAL", "5s");
        env.put("RATELIMIT_METRICS", "off");
        return env;
    }

    private Map<String, String> dynamoEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("RATELIMIT_CONFIG", "dynamodb:" + TABLE);
        env.put("RATELIMIT_CONFIG_KEY", key);
        env.put("RATELIMIT_CONFIG_ENDPOINT", dynamo.endpoint().toString());
        env.put("RATELIMIT_CONFIG_REGION", "us-east-1");
        env.put("RATELIMIT_METRICS", "off");
        return env;
    }

    private LambdaRateLimit function(Map<String, String> env) {
        return LambdaRateLimit.builder().environment(env).timeSource(clock).build();
    }

    private static List<Integer> invoke(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
            int times) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            statuses.add(handler.handleRequest(Events.http("http-items-basic-key.json"), null).getStatusCode());
        }
        return statuses;
    }

    private static RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> ok() {
        return (event, context) -> APIGatewayV2HTTPResponse.builder().withStatusCode(200).withBody("ok").build();
    }

    /** How many HMGETs the server has run: one per read of a shared configuration in Redis. */
    private static long reads() {
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            String stats = admin.info("commandstats");
            int at = stats.indexOf("cmdstat_hmget:calls=");
            if (at < 0) {
                return 0;
            }
            int from = at + "cmdstat_hmget:calls=".length();
            return Long.parseLong(stats.substring(from, stats.indexOf(',', from)));
        }
    }

    /** Polls of an unchanged text timed by {@link #pollAndMeasure}, and as many invocations that do not poll. */
    private static final int ROUNDS = 25;

    /**
     * With version 2 (4 per hour) published over 2 spent permits and the poll due: the invocation that polls is
     * evaluated on version 2 (200), then two that do not poll (200, 429); then {@link #ROUNDS} invocations one interval
     * apart, each polling the same text, and as many that do not poll (all 429). Prints the times, for the README.
     */
    private void pollAndMeasure(String store, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
        long changed = System.nanoTime();
        assertThat(invoke(handler, 1)).containsExactly(200);
        changed = System.nanoTime() - changed;
        assertThat(invoke(handler, 2)).containsExactly(200, 429);
        List<Long> polled = new ArrayList<>();
        List<Long> plain = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            clock.advance(Duration.ofSeconds(5));
            long start = System.nanoTime();
            assertThat(invoke(handler, 1)).containsExactly(429);
            polled.add(System.nanoTime() - start);
            start = System.nanoTime();
            assertThat(invoke(handler, 1)).containsExactly(429);
            plain.add(System.nanoTime() - start);
        }
        Collections.sort(polled);
        Collections.sort(plain);
        System.out.printf("%s: the invocation that polls and puts a change in force %.2f ms; median of %d: one that"
                + " polls an unchanged text %.2f ms, one that does not poll %.2f ms%n", store, changed / 1e6, ROUNDS,
                polled.get(ROUNDS / 2) / 1e6, plain.get(ROUNDS / 2) / 1e6);
    }

    @Test
    void onRedisTheFirstInvocationAfterThePollIntervalPutsAPublishedLimitInForce() {
        ConfigPublisher publisher = new ConfigPublisher(RedisSharedConfig.builder(jedis).key(key).build());
        publisher.publish(V1, 0);
        try (LambdaRateLimit limits = function(redisEnvironment())) {
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = limits.httpApi(ok());
            assertThat(invoke(handler, 3)).containsExactly(200, 200, 429);
            assertThat(limits.engine().configStatus().source()).isEqualTo("redis key " + key);

            publisher.publish(V2, 1);
            long before = reads();
            // Within the interval: no read at all, version 1 still enforced.
            clock.advance(Duration.ofMillis(4_999));
            assertThat(invoke(handler, 3)).containsExactly(429, 429, 429);
            assertThat(reads()).isEqualTo(before);

            // The first invocation after it reads once and is evaluated on version 2: the 2 permits spent stay spent.
            clock.advance(Duration.ofMillis(1));
            pollAndMeasure("Redis", handler);
            assertThat(reads()).as("one read per interval: the change, then the unchanged text")
                    .isEqualTo(before + 1 + ROUNDS);
            assertThat(limits.engine().configStatus().version()).isEqualTo("2");

            // Nothing subscribes: Lambda freezes the environment between invocations.
            try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
                assertThat(admin.pubsubNumSub(key).get(key)).isZero();
            }
        }
    }

    @Test
    void onRedisABadTextIsKeptOutReportedAndReadOncePerInterval() {
        ConfigPublisher publisher = new ConfigPublisher(RedisSharedConfig.builder(jedis).key(key).build());
        publisher.publish(V2, 0);
        try (LambdaRateLimit limits = function(redisEnvironment())) {
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = limits.httpApi(ok());
            assertThat(invoke(handler, 2)).containsExactly(200, 200);

            jedis.hset(key, Map.of("text", BAD, "version", "2")); // around the publisher, which would refuse it
            clock.advance(Duration.ofSeconds(5));
            assertThat(invoke(handler, 3)).containsExactly(200, 200, 429);
            ConfigStatus status = limits.engine().configStatus();
            assertThat(status.version()).isEqualTo("1");
            assertThat(status.rejected()).isEqualTo(1);
            assertThat(status.lastError()).contains("redis key " + key + " version 2", "ratelimit.plan.basic.limits",
                    "4/1hour");

            // A long freeze: the next invocation reads once more, the same bad text is not counted again.
            long before = reads();
            clock.advance(Duration.ofHours(2));
            assertThat(invoke(handler, 2)).containsExactly(200, 200);
            assertThat(reads()).isEqualTo(before + 1);
            assertThat(limits.engine().configStatus().rejected()).isEqualTo(1);
        }
    }

    @Test
    void onDynamoDbAPublishedLimitIsInForceAfterThePollIntervalAndABadOneIsKeptOut() {
        SharedConfig item = DynamoDbSharedConfig.builder(dynamoClient, TABLE).id(key).build();
        ConfigPublisher publisher = new ConfigPublisher(item);
        publisher.publish(V1, 0);
        try (LambdaRateLimit limits = function(dynamoEnvironment())) {
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = limits.httpApi(ok());
            assertThat(invoke(handler, 3)).containsExactly(200, 200, 429);

            publisher.publish(V2, 1);
            assertThat(invoke(handler, 1)).containsExactly(429);
            clock.advance(Duration.ofSeconds(5)); // the default poll interval
            pollAndMeasure("DynamoDB Local", handler);
            assertThat(limits.engine().configStatus().version()).isEqualTo("2");

            dynamoClient.putItem(r -> r.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(key),
                    "text", AttributeValue.fromS(BAD), "version", AttributeValue.fromN("3"))));
            clock.advance(Duration.ofSeconds(5));
            assertThat(invoke(handler, 1)).containsExactly(429);
            ConfigStatus status = limits.engine().configStatus();
            assertThat(status.version()).isEqualTo("2");
            assertThat(status.lastError()).contains("dynamodb table " + TABLE + " item pk=" + key + " version 3",
                    "ratelimit.plan.basic.limits");
        }
    }

    @Test
    void closingTheFunctionClosesTheConnectionItOpened() {
        new ConfigPublisher(RedisSharedConfig.builder(jedis).key(key).build()).publish(V1, 0);
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            int before = admin.clientList().split("\n").length;
            LambdaRateLimit limits = function(redisEnvironment());
            assertThat(admin.clientList().split("\n").length).isGreaterThan(before);
            limits.close();
            await("the server sees the connection closed").atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(5)).until(() -> admin.clientList().split("\n").length <= before);
        }
    }

    @Test
    void withoutRatelimitConfigTheBuildFailsNamingTheArtifact() throws Exception {
        // This module on a class path without ratelimit-config, as in a deployment package that forgot it.
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        try (URLClassLoader withoutConfig = new URLClassLoader(urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("dev.ratelimit.config.")) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        }) {
            Class<?> type = withoutConfig.loadClass(LambdaRateLimit.class.getName());
            assertThat(type).isNotSameAs(LambdaRateLimit.class);
            Object builder = type.getMethod("builder").invoke(null);
            builder.getClass().getMethod("environment", Map.class).invoke(builder,
                    Map.of("RATELIMIT_CONFIG", "redis://app:s3cret@127.0.0.1:6379", "RATELIMIT_METRICS", "off"));
            Method build = builder.getClass().getMethod("build");
            assertThatThrownBy(() -> build.invoke(builder)).isInstanceOf(InvocationTargetException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("environment variable RATELIMIT_CONFIG names a shared configuration, which"
                            + " needs the artifact dev.ratelimit:ratelimit-config (and redis.clients:jedis")
                    .hasMessageNotContaining("s3cret");
        }
    }

    @Test
    void badSettingsFailTheBuildNamingTheVariable() {
        Map<String, String> policies = redisEnvironment();
        policies.put("RATELIMIT_POLICIES", "perIp");
        assertThatThrownBy(() -> function(policies)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable RATELIMIT_POLICIES: ratelimit.policies=perIp: the engine's"
                        + " keys come from the shared configuration (environment variable RATELIMIT_CONFIG)");

        Map<String, String> push = redisEnvironment();
        push.put("RATELIMIT_CONFIG_PUSH", "true");
        assertThatThrownBy(() -> function(push)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable RATELIMIT_CONFIG_PUSH")
                .hasMessageContaining("polls its shared configuration only");

        Map<String, String> poll = redisEnvironment();
        poll.put("RATELIMIT_CONFIG_POLL_INTERVAL", "5x");
        assertThatThrownBy(() -> function(poll)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("environment variable RATELIMIT_CONFIG_POLL_INTERVAL=5x: expected a duration");

        Map<String, String> region = redisEnvironment();
        region.put("RATELIMIT_CONFIG_REGION", "eu-west-1");
        assertThatThrownBy(() -> function(region)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("environment variable RATELIMIT_CONFIG_REGION=eu-west-1 applies only to"
                        + " DynamoDB");

        assertThatThrownBy(() -> function(Map.of("RATELIMIT_CONFIG_KEY", "k"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable RATELIMIT_CONFIG_KEY: ratelimit.config.key=k: applies"
                        + " only to a shared configuration");

        Map<String, String> down = redisEnvironment();
        down.put("RATELIMIT_CONFIG", "redis://app:s3cret@127.0.0.1:" + RedisProcess.freePort(false));
        assertThatThrownBy(() -> function(down)).hasMessageContaining("could not read redis key " + key)
                .hasMessageNotContaining("s3cret");

        assertThatThrownBy(() -> function(redisEnvironment())).hasMessageContaining("redis key " + key
                + " holds no configuration");
    }
}
