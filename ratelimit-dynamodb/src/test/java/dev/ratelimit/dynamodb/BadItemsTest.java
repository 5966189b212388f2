package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 12, item 4: an item that is not what the store writes (written by something else, damaged, or by a
 * later release) is a {@link StoreException} naming the table, the key and the attribute, never a
 * ClassCastException, an IndexOutOfBoundsException, a NullPointerException or a silent fresh start. The items are
 * written directly with the DynamoDB client.
 */
class BadItemsTest {

    private static final String TABLE = "bad-items";
    private static final Limit LIMIT = Limit.of(5, Duration.ofMinutes(1));
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
        store = DynamoDbStore.builder(client).tableName(TABLE).callerTime().timeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static AttributeValue n(Object value) {
        return AttributeValue.fromN(value.toString());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue b(byte... bytes) {
        return AttributeValue.fromB(SdkBytes.fromByteArray(bytes));
    }

    static Stream<Arguments> badItems() {
        long window = Math.floorDiv(new FakeClock().nowMicros(), 60_000_000L) * 60_000_000L;
        return Stream.of(
                Arguments.of(Algorithm.FIXED_WINDOW, Map.of("w0", s("yesterday")), "w0"),
                Arguments.of(Algorithm.FIXED_WINDOW, Map.of("w0", n(window), "c0_" + window, n("1.5")),
                        "c0_" + window),
                Arguments.of(Algorithm.FIXED_WINDOW, Map.of("w0", n(window), "c0_" + window, n(-1000)),
                        "c0_" + window),
                Arguments.of(Algorithm.FIXED_WINDOW, Map.of("w0", n(window), "ttl", s("soon")), "ttl"),
                Arguments.of(Algorithm.SLIDING_WINDOW, Map.of("w0", b((byte) 1)), "w0"),
                Arguments.of(Algorithm.SLIDING_WINDOW, Map.of("w0", n(window), "c0_" + (window - 60_000_000L),
                        s("3")), "c0_" + (window - 60_000_000L)),
                Arguments.of(Algorithm.TOKEN_BUCKET, Map.of("t0", s("12")), "t0"),
                Arguments.of(Algorithm.TOKEN_BUCKET, Map.of("t0", n("1E+100")), "t0"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("f", n(2), "v", s("not a number")), "v"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("f", n(3)), "f"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("f", s("2")), "f"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("f", n(2), "l0_1", s("noon")), "l0_1"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("s", b((byte) 9, (byte) 0)), "s"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("s", b((byte) 1, (byte) 0, (byte) 0)), "s"),
                Arguments.of(Algorithm.SLIDING_LOG, Map.of("s", s("garbage")), "s"));
    }

    @ParameterizedTest
    @MethodSource("badItems")
    void anItemOfTheWrongShapeIsAStoreExceptionNamingTableKeyAndAttribute(Algorithm algorithm,
            Map<String, AttributeValue> attributes, String attribute) {
        String prefix = "bad-" + PREFIXES.incrementAndGet();
        String pk = TestTables.pk(prefix, algorithm, "k");
        Map<String, AttributeValue> item = new HashMap<>(attributes);
        item.put("pk", s(pk));
        item.putIfAbsent("v", n(42));
        StoreBinding binding = store.bind(prefix, algorithm, List.of(LIMIT));
        // A request, a larger one, a read, and a penalty, each on the bad item as written (a write whose condition
        // passed may have replaced the bad attribute: then the decision still fails, and the item is repaired).
        for (Runnable call : List.<Runnable>of(
                () -> binding.tryAcquire("k", 1, clock.nowMicros()),
                () -> binding.tryAcquire("k", 2, clock.nowMicros()),
                () -> binding.peek("k", clock.nowMicros()),
                () -> binding.adjust("k", 1, clock.nowMicros()))) {
            TestTables.writeItem(client, TABLE, item);
            assertThatThrownBy(call::run)
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("table '" + TABLE + "'")
                    .hasMessageContaining(pk)
                    .hasMessageContaining("'" + attribute + "'");
        }
        // Through a limiter, the failure policy decides; nothing else escapes.
        TestTables.writeItem(client, TABLE, item);
        RateLimiter closed = RateLimiter.builder().algorithm(algorithm).limits(LIMIT).store(store).namespace(prefix)
                .timeSource(clock).failurePolicy(FailurePolicy.deny()).timeout(Duration.ofSeconds(10)).build();
        Decision d = closed.tryAcquire("k");
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(d.allowed()).isFalse();
    }

    @Test
    void aSlidingLogItemOfTheEarlierFormatIsStillReadAndRewrittenInTheNewOne() {
        String prefix = "old-" + PREFIXES.incrementAndGet();
        String pk = TestTables.pk(prefix, Algorithm.SLIDING_LOG, "k");
        long now = clock.nowMicros();
        // What the earlier release wrote after spending 2 permits 10 s ago and 2 more 5 s ago.
        long[] state = {now + 55_000_000L, now - 10_000_000L, 2, now - 5_000_000L, 2};
        TestTables.writeItem(client, TABLE, Map.of("pk", s(pk), "s", SlidingLogLayout.encodeOld(state),
                "v", n(7), "ttl", n((now + 55_000_000L) / 1_000_000L)));
        RateLimiter limiter = RateLimiter.builder().algorithm(Algorithm.SLIDING_LOG).limits(LIMIT).store(store)
                .namespace(prefix).timeSource(clock).failurePolicy(FailurePolicy.deny()).build();
        assertThat(limiter.peek("k").remaining()).isEqualTo(1);
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        Map<String, AttributeValue> item = TestTables.readItem(client, TABLE, pk);
        assertThat(item).doesNotContainKey("s").containsEntry("f", n(2));
        assertThat(item.keySet().stream().filter(name -> name.startsWith("l0_"))).hasSize(5);
        // 10 s after the first two permits leave the window (at +50 s), two are free again.
        clock.advance(Duration.ofSeconds(50));
        assertThat(limiter.peek("k").remaining()).isEqualTo(2);
    }
}
