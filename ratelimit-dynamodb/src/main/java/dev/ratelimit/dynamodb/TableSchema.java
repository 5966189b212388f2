package dev.ratelimit.dynamodb;

import dev.ratelimit.spi.StoreException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** Creates and checks the table a {@link DynamoDbStore} needs. Stateless. */
final class TableSchema {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStore.class);

    private TableSchema() {
    }

    static void create(DynamoDbClient client, String table) {
        try {
            client.createTable(b -> b.tableName(table)
                    .attributeDefinitions(AttributeDefinition.builder()
                            .attributeName(ItemLayout.PK).attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName(ItemLayout.PK).keyType(KeyType.HASH).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST));
        } catch (ResourceInUseException e) {
            LOG.debug("DynamoDB table '{}' already exists; checking its shape", table);
        } catch (SdkException e) {
            throw new StoreException("could not create DynamoDB table '" + table + "': " + e.getMessage(), e);
        }
        try {
            client.waiter().waitUntilTableExists(b -> b.tableName(table));
            checkKeys(table, client.describeTable(b -> b.tableName(table)).table());
            TimeToLiveDescription ttl = client.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
            if (ttlOn(ttl)) {
                return;
            }
            if (ttl != null && ttl.attributeName() != null && ttl.timeToLiveStatus() != TimeToLiveStatus.DISABLED) {
                throw new IllegalStateException("DynamoDB table '" + table + "' has TTL on attribute '"
                        + ttl.attributeName() + "' but the store needs it on '" + ItemLayout.TTL + "'");
            }
            client.updateTimeToLive(b -> b.tableName(table)
                    .timeToLiveSpecification(s -> s.attributeName(ItemLayout.TTL).enabled(true)));
        } catch (SdkException e) {
            throw new StoreException("could not set up DynamoDB table '" + table + "': " + e.getMessage(), e);
        }
    }

    /**
     * Checks the table's key schema (one {@code DescribeTable}) and warns if TTL is off (one
     * {@code DescribeTimeToLive}), each call bounded by {@code override}'s timeout.
     */
    static void verify(DynamoDbClient client, String table, AwsRequestOverrideConfiguration override,
            String endpoint, ServiceClock clock) {
        TableDescription description;
        long sent = clock == null ? 0 : clock.localMicros();
        try {
            DescribeTableResponse response = client.describeTable(b -> b.tableName(table)
                    .overrideConfiguration(override));
            if (clock != null) {
                clock.observe(sent, clock.localMicros(), response);
            }
            description = response.table();
        } catch (ResourceNotFoundException e) {
            throw new IllegalStateException("DynamoDB table '" + table + "' does not exist at " + endpoint
                    + ": create it with DynamoDbStore.createTable(client, \"" + table + "\") or as the module README"
                    + " shows (partition key '" + ItemLayout.PK + "' of type S, TTL on '" + ItemLayout.TTL + "')", e);
        } catch (SdkException e) {
            Throwable mapped = Failures.map(table, endpoint, "DescribeTable", e, 0);
            throw new StoreException("could not check the shape of the table: " + mapped.getMessage()
                    + " (build the store with verifyTable(false) to skip the check)", e);
        }
        checkKeys(table, description);
        try {
            TimeToLiveDescription ttl = client.describeTimeToLive(b -> b.tableName(table)
                    .overrideConfiguration(override)).timeToLiveDescription();
            if (!ttlOn(ttl)) {
                LOG.warn("DynamoDB table '{}' does not have TTL enabled on attribute '{}': idle rate-limit keys will"
                        + " not expire", table, ItemLayout.TTL);
            }
        } catch (SdkException e) {
            LOG.warn("could not check the TTL setting of DynamoDB table '{}'", table, e);
        }
    }

    private static boolean ttlOn(TimeToLiveDescription ttl) {
        return ttl != null && ItemLayout.TTL.equals(ttl.attributeName())
                && (ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                || ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLING);
    }

    private static void checkKeys(String table, TableDescription description) {
        List<KeySchemaElement> keys = description.keySchema();
        String type = description.attributeDefinitions().stream()
                .filter(d -> d.attributeName().equals(ItemLayout.PK))
                .map(AttributeDefinition::attributeTypeAsString)
                .findFirst().orElse("none");
        boolean right = keys.size() == 1 && keys.get(0).attributeName().equals(ItemLayout.PK)
                && keys.get(0).keyType() == KeyType.HASH && "S".equals(type);
        if (!right) {
            StringBuilder found = new StringBuilder();
            for (KeySchemaElement key : keys) {
                String keyType = description.attributeDefinitions().stream()
                        .filter(d -> d.attributeName().equals(key.attributeName()))
                        .map(AttributeDefinition::attributeTypeAsString).findFirst().orElse("?");
                found.append(found.length() == 0 ? "" : ", ").append(key.attributeName()).append(' ')
                        .append(key.keyTypeAsString()).append(' ').append(keyType);
            }
            throw new IllegalStateException("DynamoDB table '" + table + "' has the key schema [" + found
                    + "] but the store needs exactly [" + ItemLayout.PK + " HASH S]: a String partition key named '"
                    + ItemLayout.PK + "' and no sort key");
        }
    }
}
