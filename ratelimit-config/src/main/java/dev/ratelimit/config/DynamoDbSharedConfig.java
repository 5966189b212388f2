package dev.ratelimit.config;

import dev.ratelimit.http.ConfigText;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The fleet's configuration in DynamoDB: one item in a table whose partition key is a string attribute
 * ({@link Builder#keyAttribute}, default {@code pk}; no sort key), at key {@link Builder#id} (default
 * {@code ratelimit:config}), with the attributes {@code text} (S, the properties text) and {@code version} (N: 1, 2,
 * 3, ...). A rate-limit state table of {@code ratelimit-dynamodb} ({@code DynamoDbStore.createTable}) has that layout
 * and can hold it too: the store's partition keys carry its key prefix and a namespace, so they never equal the
 * default id. A publish is one conditional {@code PutItem} ({@code attribute_not_exists} for the first,
 * {@code version = :expected} after); a refused one returns the current version with the failure, so no second read.
 *
 * <p>DynamoDB has no push: each engine reads the item with {@code GetItem} every {@link Builder#pollInterval}
 * (default 5 s), so a change is in force on every instance within one interval (plus one read). Cost of polling: the
 * item is well under 4 KB, so one strongly consistent read costs 1 read capacity unit, an eventually consistent one
 * ({@link Builder#consistentRead consistentRead(false)}) 0.5; at 5 s that is 720 RCU (or 360) per instance per hour,
 * 17,280 (8,640) per instance per day. An eventually consistent read may lag a publish by up to about a second more.
 *
 * <pre>{@code
 * RateLimitEngine engine = RateLimitEngine.builder()
 *         .configSource(DynamoDbSharedConfig.builder(dynamo, "ratelimit").build())
 *         .store(DynamoDbStore.builder(dynamo).tableName("ratelimit").build())
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} does not close the client, which belongs to the caller.
 */
public final class DynamoDbSharedConfig implements SharedConfig {

    private final DynamoDbClient client;
    private final String table;
    private final String keyAttribute;
    private final String id;
    private final Duration pollInterval;
    private final boolean consistentRead;
    private final String name;

    private DynamoDbSharedConfig(Builder b) {
        this.client = b.client;
        this.table = b.table;
        this.keyAttribute = b.keyAttribute;
        this.id = b.id;
        this.pollInterval = b.pollInterval;
        this.consistentRead = b.consistentRead;
        this.name = "dynamodb table " + table + " item " + keyAttribute + "=" + id;
    }

    /**
     * A builder.
     *
     * @param client the DynamoDB client; the caller closes it
     * @param table the table's name
     * @return a new builder
     */
    public static Builder builder(DynamoDbClient client, String table) {
        return new Builder(client, table);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration pollInterval() {
        return pollInterval;
    }

    @Override
    public Optional<ConfigText> current() {
        GetItemResponse response;
        try {
            response = client.getItem(r -> r.tableName(table).consistentRead(consistentRead)
                    .key(Map.of(keyAttribute, AttributeValue.fromS(id))));
        } catch (SdkException e) {
            throw new ConfigStoreException("could not read " + name + ": " + e.getMessage(), e);
        }
        if (!response.hasItem() || response.item().isEmpty()) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = response.item();
        AttributeValue text = item.get("text");
        if (text == null || text.s() == null) {
            throw new ConfigStoreException(name + " has no string attribute text", null);
        }
        return Optional.of(new ConfigText(text.s(), Long.toString(version(item)), name));
    }

    private long version(Map<String, AttributeValue> item) {
        AttributeValue version = item == null ? null : item.get("version");
        if (version == null || version.n() == null) {
            throw new ConfigStoreException(name + " has no number attribute version", null);
        }
        try {
            return Long.parseLong(version.n());
        } catch (NumberFormatException e) {
            throw new ConfigStoreException("the attribute version of " + name + " is not a whole number: "
                    + version.n(), e);
        }
    }

    @Override
    public ConfigText compareAndSet(long expectedVersion, String text) {
        Objects.requireNonNull(text, "text");
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be 0 or more but was " + expectedVersion);
        }
        long next = expectedVersion + 1;
        PutItemRequest.Builder put = PutItemRequest.builder().tableName(table)
                .item(Map.of(keyAttribute, AttributeValue.fromS(id), "text", AttributeValue.fromS(text),
                        "version", AttributeValue.fromN(Long.toString(next))))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        if (expectedVersion == 0) {
            put.conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", keyAttribute));
        } else {
            put.conditionExpression("#v = :expected").expressionAttributeNames(Map.of("#v", "version"))
                    .expressionAttributeValues(Map.of(":expected",
                            AttributeValue.fromN(Long.toString(expectedVersion))));
        }
        try {
            client.putItem(put.build());
        } catch (ConditionalCheckFailedException e) {
            long current = e.hasItem() && !e.item().isEmpty() ? version(e.item()) : 0;
            throw new VersionConflictException(name, expectedVersion, current);
        } catch (SdkException e) {
            throw new ConfigStoreException("could not publish to " + name + ": " + e.getMessage(), e);
        }
        return new ConfigText(text, Long.toString(next), name);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Builds a {@link DynamoDbSharedConfig}. The last call of an option wins. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #keyAttribute}</td><td>{@code pk}</td></tr>
     *   <tr><td>{@link #id}</td><td>{@code ratelimit:config}</td></tr>
     *   <tr><td>{@link #pollInterval}</td><td>5 s</td></tr>
     *   <tr><td>{@link #consistentRead}</td><td>true (1 RCU per poll)</td></tr>
     * </table>
     */
    public static final class Builder {
        private final DynamoDbClient client;
        private final String table;
        private String keyAttribute = "pk";
        private String id = "ratelimit:config";
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private boolean consistentRead = true;

        private Builder(DynamoDbClient client, String table) {
            this.client = Objects.requireNonNull(client, "client");
            this.table = Checks.notEmpty(table, "table");
        }

        /**
         * The table's partition key attribute (a string).
         *
         * @param keyAttribute the attribute name
         * @return this builder
         * @throws IllegalArgumentException if it is empty
         */
        public Builder keyAttribute(String keyAttribute) {
            this.keyAttribute = Checks.notEmpty(keyAttribute, "keyAttribute");
            return this;
        }

        /**
         * The partition key value of the configuration's item.
         *
         * @param id the item's key
         * @return this builder
         * @throws IllegalArgumentException if it is empty
         */
        public Builder id(String id) {
            this.id = Checks.notEmpty(id, "id");
            return this;
        }

        /**
         * How often an engine reads the item: the bound on how late a change arrives, and what it costs (see the
         * class comment).
         *
         * @param pollInterval at least 1 ms
         * @return this builder
         * @throws IllegalArgumentException if the interval is under 1 ms
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = Checks.pollInterval(pollInterval);
            return this;
        }

        /**
         * Whether a poll is a strongly consistent read (1 RCU, sees every completed publish; the default) or an
         * eventually consistent one (0.5 RCU, may lag a publish).
         *
         * @param consistentRead false for eventually consistent reads
         * @return this builder
         */
        public Builder consistentRead(boolean consistentRead) {
            this.consistentRead = consistentRead;
            return this;
        }

        /**
         * The source and publish target.
         *
         * @return a new instance
         */
        public DynamoDbSharedConfig build() {
            return new DynamoDbSharedConfig(this);
        }
    }
}
