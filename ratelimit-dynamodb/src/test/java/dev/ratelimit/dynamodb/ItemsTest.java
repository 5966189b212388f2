package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/** What the store leaves in the table: a TTL on every item, and partition keys DynamoDB accepts. */
class ItemsTest {

    private static final String TABLE = "items";
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static DynamoDbLocal local;
    private static DynamoDbClient client;
    private static DynamoDbStore store;

    private final FakeClock clock = new FakeClock();

    @BeforeAll
    static void start() {
        local = DynamoDbLocal.start();
        client = local.client();
        TestTables.createTableWithoutTtl(client, TABLE);
        store = DynamoDbStore.builder(client).tableName(TABLE).callerTime().timeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private RateLimiter limiter(Algorithm algorithm, String prefix, Limit limit) {
        return RateLimiter.builder().algorithm(algorithm).limits(limit).store(store).timeSource(clock)
                .namespace(prefix).failurePolicy(FailurePolicy.deny()).build();
    }

    /** The items whose partition key starts with the limiter's part, by partition key. */
    private static Map<String, Map<String, AttributeValue>> items(String prefix) {
        String start = prefix.length() + ":" + prefix + ":";
        return client.scanPaginator(b -> b.tableName(TABLE).consistentRead(true)).items().stream()
                .filter(item -> item.get("pk").s().startsWith(start))
                .collect(Collectors.toMap(item -> item.get("pk").s(), item -> item));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void everyItemCarriesTheTimeItIsBackAtFullAllowanceAsItsTtl(Algorithm algorithm) {
        String prefix = "ttl-" + PREFIXES.incrementAndGet();
        Limit limit = Limit.of(3, Duration.ofSeconds(10));
        RateLimiter limiter = limiter(algorithm, prefix, limit);
        StateTransition reference = StateTransition.of(algorithm);
        Map<String, long[]> expected = new HashMap<>();
        long latestWrite = 0;
        String[] keys = {"a", "b", "c", "d", "a", "b", "b", "c", "a", "d"};
        for (int i = 0; i < keys.length; i++) {
            String key = keys[i];
            long now = clock.nowMicros();
            StateTransition.Result result;
            if (i % 4 == 2) {
                result = reference.adjust(expected.get(key), List.of(limit), 2, now);
                limiter.penalize(key, 2);
            } else if (i % 4 == 3) {
                result = reference.adjust(expected.get(key), List.of(limit), -1, now);
                limiter.refund(key, 1);
            } else {
                result = reference.apply(expected.get(key), List.of(limit), 2, now);
                limiter.tryAcquire(key, 2);
            }
            if (result.state() != expected.get(key)) {
                latestWrite = now;
            }
            expected.put(key, result.state());
            clock.advanceMicros(1_700_000L * (i % 3));
        }
        Map<String, Map<String, AttributeValue>> items = items(prefix);
        assertThat(items).hasSize(4);
        PartitionKeys pks = new PartitionKeys("", prefix, algorithm);
        for (Map.Entry<String, long[]> key : expected.entrySet()) {
            Map<String, AttributeValue> item = items.get(pks.of(key.getKey()));
            assertThat(item).as("item of %s", key.getKey()).isNotNull();
            assertThat(item.get("ttl")).as("ttl of %s", key.getKey()).isNotNull();
            long ttl = Long.parseLong(item.get("ttl").n());
            long fullAtSeconds = -Math.floorDiv(-key.getValue()[0], 1_000_000L);
            long margin = 0;
            if (algorithm == Algorithm.TOKEN_BUCKET) {
                // An upper bound (the TAT is not known before the write): never early, at most one period late.
                assertThat(ttl).isBetween(fullAtSeconds, fullAtSeconds + 10);
            } else if (algorithm == Algorithm.SLIDING_LOG) {
                // A slot update adds a margin for concurrent writers whose stamps are a little earlier.
                margin = SlidingLogLayout.TTL_MARGIN_SECONDS;
                assertThat(ttl).as("ttl of %s", key.getKey()).isBetween(fullAtSeconds, fullAtSeconds + margin);
            } else {
                assertThat(ttl).as("ttl of %s", key.getKey()).isEqualTo(fullAtSeconds);
            }
            assertThat(ttl).isLessThanOrEqualTo(latestWrite / 1_000_000 + 21 + margin);
            assertThat(item.get("v")).as("version of %s", key.getKey()).isNotNull();
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void keysLongerThanDynamoDbAllowsAreHashedWithoutCollisions(Algorithm algorithm) {
        String prefix = "long-" + PREFIXES.incrementAndGet();
        RateLimiter limiter = limiter(algorithm, prefix, Limit.of(2, Duration.ofHours(1)));
        PartitionKeys pks = new PartitionKeys("", prefix, algorithm);
        int room = PartitionKeys.MAX_KEY_BYTES - utf8(pks.of(""));
        String longest = "a".repeat(room);
        List<String> keys = List.of(
                longest,                                   // exactly 2048 bytes: stored as it is
                longest + "a",                             // one byte more: hashed
                "x".repeat(5000),
                "x".repeat(4999) + "y",                    // differs only past the limit
                "€".repeat(700),                           // 2100 bytes in 700 characters
                "a\uD800b",                                // unpaired surrogate: not representable in UTF-8
                "a\uDBFFb",
                "h:" + PartitionKeys.hash(longest + "a"),  // a short key that looks like a hashed one
                "short");
        assertThat(pks.of(longest)).endsWith(":k:" + longest);
        assertThat(utf8(pks.of(longest))).isEqualTo(2048);
        assertThat(pks.of(longest + "a")).contains(":h:");

        for (String key : keys) {
            assertThat(limiter.tryAcquire(key, 2).allowed()).as("first on %s", key.length()).isTrue();
        }
        for (String key : keys) {
            assertThat(limiter.tryAcquire(key).allowed()).as("second on %s", key.length()).isFalse();
        }
        Map<String, Map<String, AttributeValue>> items = items(prefix);
        assertThat(items).hasSize(keys.size());
        assertThat(items.keySet()).allSatisfy(pk -> assertThat(utf8(pk)).isLessThanOrEqualTo(2048));
        limiter.reset("x".repeat(5000));
        assertThat(limiter.tryAcquire("x".repeat(5000)).allowed()).isTrue();
        assertThat(limiter.tryAcquire("x".repeat(4999) + "y").allowed()).isFalse();
    }

    @Test
    void dynamoDbItselfRejectsAPartitionKeyOverTheLimit() {
        // Why hashing is needed: the same write with a 2049-byte key fails.
        Map<String, AttributeValue> item = Map.of("pk", AttributeValue.fromS("a".repeat(2049)));
        assertThatThrownBy(() -> client.putItem(b -> b.tableName(TABLE).item(item)))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("2048");
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void theLargestSlidingLogFitsInOneItem() {
        // Two limits at the bound together (MAX_SLIDING_LOG_PERMITS slots in all), filled by a whole-item write
        // and then by slot updates: every slot written stays within DynamoDB's 400 KB item.
        String prefix = "largest-" + PREFIXES.incrementAndGet();
        long half = DynamoDbStore.MAX_SLIDING_LOG_PERMITS / 2;
        RateLimiter limiter = RateLimiter.builder().algorithm(Algorithm.SLIDING_LOG)
                .limits(Limit.of(half, Duration.ofHours(1)), Limit.of(half, Duration.ofHours(2)))
                .store(store).namespace(prefix).timeSource(clock).failurePolicy(FailurePolicy.deny())
                .timeout(Duration.ofSeconds(30)).build();
        assertThat(limiter.penalize("k", half - 2).remaining()).isEqualTo(2);
        clock.advanceMicros(1);
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        clock.advanceMicros(1);
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        Map<String, AttributeValue> item = items(prefix).values().iterator().next();
        assertThat(item.keySet().stream().filter(name -> name.startsWith("l"))).hasSize((int) (2 * half));
        assertThatThrownBy(() -> store.bind("too-large", Algorithm.SLIDING_LOG,
                List.of(Limit.of(half + 1, Duration.ofHours(1)), Limit.of(half, Duration.ofHours(2)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Long.toString(DynamoDbStore.MAX_SLIDING_LOG_PERMITS));
    }

    /**
     * Rolling upgrade: a token-bucket item of an earlier release has {@code t0} but no {@code d0}; it is read in the
     * limit's own unit, as before, and the next write records the unit.
     */
    @Test
    void aTokenBucketItemWithoutItsUnitIsReadInTheLimitsUnitAndGetsIt() {
        String prefix = "unit-" + PREFIXES.incrementAndGet();
        RateLimiter limiter = limiter(Algorithm.TOKEN_BUCKET, prefix, Limit.parse("3/1s"));
        assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
        String pk = TestTables.pk(prefix, Algorithm.TOKEN_BUCKET, "k");
        Map<String, AttributeValue> item = TestTables.readItem(client, TABLE, pk);
        assertThat(item.get("d0").n()).isEqualTo("3");
        item.remove("d0");
        TestTables.writeItem(client, TABLE, item);
        // Another limiter binding: nothing remembered about the item. 2 of 3 spent: 1 left.
        RateLimiter upgraded = limiter(Algorithm.TOKEN_BUCKET, prefix, Limit.parse("3/1s"));
        assertThat(upgraded.tryAcquire("k").remaining()).isZero();
        assertThat(upgraded.tryAcquire("k").allowed()).isFalse();
        assertThat(TestTables.readItem(client, TABLE, pk).get("d0").n()).isEqualTo("3");
    }

}
