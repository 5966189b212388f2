package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.config.ConfigPublisher;
import dev.ratelimit.config.DynamoDbSharedConfig;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testservers.DynamoDbLocal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code ratelimit.config=dynamodb:TABLE} with {@code ratelimit.store=dynamodb}: the application (Spring MVC on
 * Tomcat) takes its policies from an item in DynamoDB Local through its own {@code DynamoDbClient} bean, and counts
 * in the same table. DynamoDB has no push: a publish is in force at the next poll, here forced by
 * {@link RateLimitEngine#reloadConfiguration()} (the test's clock does not drive the poll thread).
 */
@SpringBootTest(classes = {MvcApp.class, SharedConfigDynamoDbTest.DynamoDbClientBean.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"ratelimit.config=dynamodb:fleet", "ratelimit.store=dynamodb",
                "ratelimit.dynamodb.tableName=fleet", "ratelimit.configKey=gateway:limits", "ratelimit.configPollInterval=1h",
                "management.endpoints.web.exposure.include=ratelimit"})
@DirtiesContext
class SharedConfigDynamoDbTest {

    private static DynamoDbLocal dynamo;
    private static DynamoDbClient operator;

    @BeforeAll
    static void publishTheFirstVersion() {
        dynamo = DynamoDbLocal.start();
        operator = dynamo.client();
        DynamoDbStore.createTable(operator, "fleet");
        new ConfigPublisher(DynamoDbSharedConfig.builder(operator, "fleet").id("gateway:limits").build())
                .publish(SharedConfigRedisTest.config("2/1m"), 0);
    }

    @AfterAll
    static void stop() {
        operator.close();
        dynamo.close();
    }

    @TestConfiguration
    static class DynamoDbClientBean {
        @Bean(destroyMethod = "close")
        DynamoDbClient dynamoDbClient() {
            return dynamo.client();
        }
    }

    @LocalServerPort
    private int port;
    @Autowired
    private RateLimitEngine engine;

    @Test
    void takesItsPoliciesFromTheItemAndFollowsAPublish() {
        Http http = new Http(port);
        SharedConfigRedisTest.assertAllowedThenDenied(http, "key-a", 2);
        assertThat(http.get("/actuator/ratelimit").body())
                .contains("\"source\":\"dynamodb table fleet item pk=gateway:limits\"").contains("\"version\":\"1\"");

        new ConfigPublisher(DynamoDbSharedConfig.builder(operator, "fleet").id("gateway:limits").build())
                .publish(SharedConfigRedisTest.config("3/1m"), 1);
        assertThat(engine.reloadConfiguration()).isTrue();
        SharedConfigRedisTest.assertAllowedThenDenied(http, "key-b", 3);

        DynamoDbSharedConfig.builder(operator, "fleet").id("gateway:limits").build()
                .compareAndSet(2, SharedConfigRedisTest.config("3/1m") + "ratelimit.policy.perKey.algorithm=FAST\n");
        assertThat(engine.reloadConfiguration()).isFalse();
        assertThat(engine.configStatus().version()).isEqualTo("2");
        assertThat(engine.configStatus().lastError()).contains("dynamodb table fleet item pk=gateway:limits")
                .contains("ratelimit.policy.perKey.algorithm");
        assertThat(http.get("/actuator/ratelimit").body()).contains("\"rejected\":1")
                .contains("ratelimit.policy.perKey.algorithm");
        SharedConfigRedisTest.assertAllowedThenDenied(http, "key-c", 3);
    }
}
