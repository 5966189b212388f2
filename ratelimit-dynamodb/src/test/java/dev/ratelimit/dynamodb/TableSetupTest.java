package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** {@link DynamoDbStore#createTable} and the checks {@link DynamoDbStore.Builder#build()} makes on the table. */
class TableSetupTest {

    private static DynamoDbLocal local;
    private static DynamoDbClient client;

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static void createRaw(String table, String... keys) {
        // keys: name, type (S/N/B), key type (HASH/RANGE), repeated
        List<AttributeDefinition> definitions = new java.util.ArrayList<>();
        List<KeySchemaElement> schema = new java.util.ArrayList<>();
        for (int i = 0; i < keys.length; i += 3) {
            definitions.add(AttributeDefinition.builder().attributeName(keys[i])
                    .attributeType(ScalarAttributeType.fromValue(keys[i + 1])).build());
            schema.add(KeySchemaElement.builder().attributeName(keys[i]).keyType(KeyType.fromValue(keys[i + 2]))
                    .build());
        }
        client.createTable(b -> b.tableName(table).attributeDefinitions(definitions).keySchema(schema)
                .billingMode(BillingMode.PAY_PER_REQUEST));
    }

    @Test
    void createTableMakesTheDocumentedLayoutWithTtlOn() {
        DynamoDbStore.createTable(client, "created");

        TableDescription table = client.describeTable(b -> b.tableName("created")).table();
        assertThat(table.keySchema()).containsExactly(
                KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build());
        assertThat(table.attributeDefinitions()).containsExactly(
                AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build());
        assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        TimeToLiveDescription ttl = client.describeTimeToLive(b -> b.tableName("created")).timeToLiveDescription();
        assertThat(ttl.attributeName()).isEqualTo("ttl");
        assertThat(ttl.timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);

        // The store accepts it and works on it.
        DynamoDbStore store = DynamoDbStore.builder(client).tableName("created").callerTime()
                .timeout(Duration.ofSeconds(10)).build();
        RateLimiter limiter = RateLimiter.builder().algorithm(Algorithm.FIXED_WINDOW).limits(Limit.parse("2/1m"))
                .store(store).failurePolicy(FailurePolicy.deny()).build();
        assertThat(limiter.tryAcquire("k").remaining()).isEqualTo(1);
    }

    @Test
    void createTableTwiceIsHarmless() {
        DynamoDbStore.createTable(client, "twice");
        DynamoDbStore.createTable(client, "twice");
        assertThat(client.describeTimeToLive(b -> b.tableName("twice")).timeToLiveDescription().attributeName())
                .isEqualTo("ttl");
    }

    @Test
    void createTableTurnsTtlOnForAnExistingTableOfTheRightShape() {
        createRaw("no-ttl-yet", "pk", "S", "HASH");
        DynamoDbStore.createTable(client, "no-ttl-yet");
        TimeToLiveDescription ttl = client.describeTimeToLive(b -> b.tableName("no-ttl-yet")).timeToLiveDescription();
        assertThat(ttl.attributeName()).isEqualTo("ttl");
    }

    @Test
    void createTableRefusesAnExistingTableOfAnotherShape() {
        createRaw("taken", "id", "S", "HASH");
        assertThatThrownBy(() -> DynamoDbStore.createTable(client, "taken"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'taken'")
                .hasMessageContaining("[id HASH S]")
                .hasMessageContaining("[pk HASH S]");
    }

    @Test
    void createTableRefusesTtlOnAnotherAttribute() {
        createRaw("other-ttl", "pk", "S", "HASH");
        client.updateTimeToLive(b -> b.tableName("other-ttl")
                .timeToLiveSpecification(s -> s.attributeName("expiresAt").enabled(true)));
        assertThatThrownBy(() -> DynamoDbStore.createTable(client, "other-ttl"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'other-ttl'")
                .hasMessageContaining("'expiresAt'")
                .hasMessageContaining("'ttl'");
    }

    @Test
    void aMissingTableIsNamedWhenTheStoreIsBuilt() {
        assertThatThrownBy(() -> DynamoDbStore.builder(client).tableName("never-created").callerTime().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'never-created' does not exist")
                .hasMessageContaining("createTable");
    }

    @Test
    void aWrongPartitionKeyNameIsNamedWhenTheStoreIsBuilt() {
        createRaw("wrong-name", "key", "S", "HASH");
        assertThatThrownBy(() -> DynamoDbStore.builder(client).tableName("wrong-name").callerTime().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'wrong-name'")
                .hasMessageContaining("[key HASH S]")
                .hasMessageContaining("String partition key named 'pk'");
    }

    @Test
    void aWrongPartitionKeyTypeIsNamedWhenTheStoreIsBuilt() {
        createRaw("wrong-type", "pk", "N", "HASH");
        assertThatThrownBy(() -> DynamoDbStore.builder(client).tableName("wrong-type").callerTime().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'wrong-type'")
                .hasMessageContaining("[pk HASH N]");
    }

    @Test
    void aSortKeyIsNamedWhenTheStoreIsBuilt() {
        createRaw("with-sort-key", "pk", "S", "HASH", "sk", "S", "RANGE");
        assertThatThrownBy(() -> DynamoDbStore.builder(client).tableName("with-sort-key").callerTime().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'with-sort-key'")
                .hasMessageContaining("[pk HASH S, sk RANGE S]")
                .hasMessageContaining("no sort key");
    }

    @Test
    void withoutTheCheckAMissingTableIsAStoreErrorOnEachDecision() {
        DynamoDbStore store = DynamoDbStore.builder(client).tableName("gone").callerTime().verifyTable(false)
                .timeout(Duration.ofSeconds(10)).build();
        RateLimiter open = RateLimiter.builder().algorithm(Algorithm.TOKEN_BUCKET).limits(Limit.parse("2/1m"))
                .store(store).failurePolicy(FailurePolicy.allow()).build();
        Decision d = open.tryAcquire("k");
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(d.allowed()).isTrue();
        assertThatThrownBy(() -> store.bind("x", Algorithm.SLIDING_LOG, List.of(Limit.parse("2/1m")))
                .tryAcquire("k", 1, 1_000_000))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("'gone'")
                .hasMessageContaining("does not exist");
    }

    @Test
    void badTableNamesAreRejectedByName() {
        assertThatThrownBy(() -> DynamoDbStore.createTable(client, "a b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a b'");
        assertThatThrownBy(() -> DynamoDbStore.builder(client).tableName("x").callerTime())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
    }
}
