package dev.ratelimit.dynamodb;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Tables of the store's layout for tests. */
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
}
