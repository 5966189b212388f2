package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The builder's rules, against DynamoDB Local: the key prefix is the literal start of every partition key, under
 * the rule the Redis store shares; setting an option again replaces it (the last call wins).
 */
class DynamoDbStoreBuilderTest {

    private static final String TABLE = "builder";

    private static DynamoDbLocal local;
    private static DynamoDbClient client;

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client();
        TestTables.createTableWithoutTtl(client, TABLE);
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    /** The partition keys in the table that start with {@code start}. */
    private static List<String> keysStartingWith(String start) {
        return client.scan(b -> b.tableName(TABLE)).items().stream().map(item -> item.get(ItemLayout.PK).s())
                .filter(pk -> pk.startsWith(start)).collect(Collectors.toList());
    }

    private static void decide(DynamoDbStore store, String namespace) {
        StoreBinding binding = store.bind(namespace, Algorithm.FIXED_WINDOW, List.of(Limit.parse("5/1h")));
        assertThat(binding.tryAcquire("user-1", 1, 1_000_000).allowed()).isTrue();
    }

    @Test
    void theKeyPrefixIsTheLiteralStartOfEveryPartitionKey() {
        DynamoDbStore store = DynamoDbStore.builder(client).tableName(TABLE).callerTime()
                .keyPrefix("app-one/").build();
        decide(store, "uploads");
        assertThat(keysStartingWith("app-one/")).containsExactly("app-one/7:uploads:F:k:user-1");
        DynamoDbStore unprefixed = DynamoDbStore.builder(client).tableName(TABLE).callerTime().build();
        decide(unprefixed, "plain");
        assertThat(keysStartingWith("5:plain:")).containsExactly("5:plain:F:k:user-1");
    }

    @Test
    void aKeyPrefixOutsideTheRuleIsRefusedNamingTheValue() {
        DynamoDbStore.Builder builder = DynamoDbStore.builder(client);
        assertThatThrownBy(() -> builder.keyPrefix(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> builder.keyPrefix("p".repeat(DynamoDbStore.MAX_KEY_PREFIX_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 256 characters")
                .hasMessageContaining("ppp");
        assertThatThrownBy(() -> builder.keyPrefix("bad\uD800")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("well-formed UTF-16");
        // Braces are Redis's hash tag only: DynamoDB takes them, and the empty and longest prefixes.
        builder.keyPrefix("{a}").keyPrefix("").keyPrefix("p".repeat(DynamoDbStore.MAX_KEY_PREFIX_LENGTH));
    }

    @Test
    void theLastCallWins() {
        DynamoDbStore store = DynamoDbStore.builder(client).tableName("first-name").tableName(TABLE)
                .keyPrefix("first/").keyPrefix("second/")
                .serverTime().callerTime()
                .timeout(Duration.ofNanos(1)).timeout(Duration.ofSeconds(10))
                .maxAttempts(1).maxAttempts(16)
                .knownStates(0).knownStates(64)
                .throttlingRetries(0, Duration.ZERO).throttlingRetries(3, Duration.ofMillis(25))
                .verifyTable(false).verifyTable(true)
                .build();
        assertThat(store.tableName()).isEqualTo(TABLE);
        assertThat(store.usesServerTime()).isFalse();
        decide(store, "last");
        assertThat(keysStartingWith("first/")).isEmpty();
        assertThat(keysStartingWith("second/")).containsExactly("second/4:last:F:k:user-1");

        // The other order: a 1 ns timeout is the one that counts, and the missing table goes unchecked.
        DynamoDbStore hasty = DynamoDbStore.builder(client).tableName("missing").verifyTable(true)
                .verifyTable(false).callerTime().timeout(Duration.ofSeconds(10)).timeout(Duration.ofNanos(1))
                .build();
        StoreBinding binding = hasty.bind("hasty", Algorithm.FIXED_WINDOW, List.of(Limit.parse("5/1h")));
        assertThatThrownBy(() -> binding.tryAcquire("k", 1, 1_000_000)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> DynamoDbStore.builder(client).tableName("missing").callerTime().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'missing' does not exist");
    }
}
