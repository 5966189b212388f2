package dev.ratelimit.dynamodb;

import dev.ratelimit.Algorithm;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Tables of the store's layout, and reading and writing their items directly, for tests. */
final class TestTables {

    private TestTables() {
    }

    /**
     * Creates a table of the store's layout with TTL left off, so DynamoDB Local's TTL sweeper (which runs on the
     * real clock) never deletes an item of a test driven by a fake clock, whatever time that clock shows.
     */
    static void createTableWithoutTtl(DynamoDbClient client, String table) {
        client.createTable(b -> b.tableName(table)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk")
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        client.waiter().waitUntilTableExists(b -> b.tableName(table));
    }

    /** The partition key a store without a key prefix writes for {@code key} of a limiter's namespace. */
    static String pk(String namespace, Algorithm algorithm, String key) {
        return new PartitionKeys("", namespace, algorithm).of(key);
    }

    /** The item stored under {@code pk} (a consistent read), as a mutable copy; empty if there is none. */
    static Map<String, AttributeValue> readItem(DynamoDbClient client, String table, String pk) {
        return new HashMap<>(client.getItem(b -> b.tableName(table).key(Map.of(ItemLayout.PK,
                AttributeValue.fromS(pk))).consistentRead(true)).item());
    }

    /** Writes {@code item} as it is, unconditionally, as another writer (or a corrupting one) would. */
    static void writeItem(DynamoDbClient client, String table, Map<String, AttributeValue> item) {
        client.putItem(b -> b.tableName(table).item(item));
    }
}
