package dev.ratelimit.config;

import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link FleetTest} on one DynamoDB Local table for state and configuration, polled (DynamoDB has no push). */
class DynamoDbFleetTest extends FleetTest {

    private static final String TABLE = "ratelimit";
    private static DynamoDbLocal local;
    private static DynamoDbClient client;

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

    private final String id = "config:" + UUID.randomUUID();

    @Override
    SharedConfig polledSource(Duration pollInterval) {
        return DynamoDbSharedConfig.builder(client, TABLE).id(id).pollInterval(pollInterval).build();
    }

    @Override
    SharedConfig followingSource() {
        return polledSource(Duration.ofMillis(100));
    }

    @Override
    RateLimitStore store() {
        return DynamoDbStore.builder(client).tableName(TABLE).keyPrefix(id.substring(7, 15) + ":").callerTime()
                .build();
    }

    @Override
    void writeAroundThePublisher(String text, long version) {
        client.putItem(r -> r.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(id),
                "text", AttributeValue.fromS(text), "version", AttributeValue.fromN(Long.toString(version)))));
    }

    @Override
    String sourceName() {
        return "dynamodb table " + TABLE + " item pk=" + id;
    }

    @Override
    String storeName() {
        return "DynamoDB Local";
    }
}
