package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Items written by the earlier release, which did not record the limits that wrote them ({@code p{i}},
 * {@code q{i}}, {@code b{i}}, the sliding log's {@code r}), are read after an upgrade as that release read them: as
 * written under the reading limiter's limits, limit by limit in order. The first write rewrites them whole in the
 * current form.
 */
class EarlierItemsTest {

    private static final String TABLE = "earlier";
    private static final List<String> RECORDED = List.of("p0", "p1", "q0", "q1", "b0", "b1", "r");

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

    private RateLimiter limiter(Algorithm algorithm, String namespace, List<Limit> limits) {
        return RateLimiter.builder().algorithm(algorithm).limits(limits).store(store).timeSource(clock)
                .namespace(namespace).failurePolicy(FailurePolicy.deny()).build();
    }

    private static ItemLayout layout(Algorithm algorithm, List<Limit> limits) {
        return switch (algorithm) {
            case FIXED_WINDOW -> new FixedWindowLayout(limits);
            case SLIDING_WINDOW -> new SlidingWindowLayout(limits);
            case TOKEN_BUCKET -> new TokenBucketLayout(limits);
            case SLIDING_LOG -> new SlidingLogLayout(limits);
        };
    }

    /** The item the earlier release wrote for {@code state}: today's attributes less those it did not have. */
    private static void writeEarlierItem(String pk, Algorithm algorithm, List<Limit> limits, long[] state) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ItemLayout.PK, AttributeValue.fromS(pk));
        layout(algorithm, limits).encode(state, item);
        RECORDED.forEach(item::remove);
        item.put(ItemLayout.TTL, AttributeValue.fromN(Long.toString(ItemLayout.ttlSeconds(state[0]))));
        item.put(ItemLayout.VERSION, AttributeValue.fromN("7"));
        TestTables.writeItem(client, TABLE, item);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void anItemOfTheEarlierReleaseIsReadAsWrittenUnderTheseLimits(Algorithm algorithm) {
        List<Limit> limits = List.of(Limit.parse("10/10s"), Limit.parse("50/1m"));
        String namespace = "earlier-" + algorithm.ordinal();
        StateTransition reference = StateTransition.of(algorithm);
        long[] spent = reference.apply(null, limits, 7, clock.nowMicros()).state();
        String pk = TestTables.pk(namespace, algorithm, "k");
        writeEarlierItem(pk, algorithm, limits, spent);

        clock.advance(Duration.ofMillis(1_500));
        RateLimiter limiter = limiter(algorithm, namespace, limits);
        long now = clock.nowMicros();
        assertThat(limiter.peek("k")).isEqualTo(reference.apply(spent, limits, 0, now).decision());
        StateTransition.Result first = reference.apply(spent, limits, 2, now);
        assertThat(limiter.tryAcquire("k", 2)).isEqualTo(first.decision());
        assertThat(limiter.tryAcquire("k", 2)).isEqualTo(reference.apply(first.state(), limits, 2, now).decision());
        Map<String, AttributeValue> rewritten = TestTables.readItem(client, TABLE, pk);
        assertThat(rewritten).as("rewritten in the current form").containsKey(
                algorithm == Algorithm.SLIDING_LOG ? "r" : algorithm == Algorithm.TOKEN_BUCKET ? "q1" : "p1");
    }

    /** The earlier release's rule for a changed token bucket: the time until the bucket is full carries. */
    @Test
    void aTokenBucketOfTheEarlierReleaseKeepsTheTimeUntilFullUnderAnotherRate() {
        List<Limit> before = List.of(Limit.parse("10/10s"));
        long[] spent = StateTransition.of(Algorithm.TOKEN_BUCKET).apply(null, before, 8, clock.nowMicros()).state();
        writeEarlierItem(TestTables.pk("earlier-tb", Algorithm.TOKEN_BUCKET, "k"), Algorithm.TOKEN_BUCKET, before,
                spent);
        // Full again in 8 s, which is 16 short of 20 per 10 s.
        RateLimiter raised = limiter(Algorithm.TOKEN_BUCKET, "earlier-tb", List.of(Limit.parse("20/10s")));
        assertThat(raised.peek("k").remaining()).isEqualTo(4);
        assertThat(raised.tryAcquire("k", 4).allowed()).isTrue();
        assertThat(raised.tryAcquire("k").allowed()).isFalse();
    }
}
