package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Issue 12, gap B: the sliding-log ring after the clock steps back, decision for decision against the reference
 * {@link StateTransition}. A slot write leaves the slots it does not choose as they were, so the ring kept permits
 * that the reference log had dropped when a newer one was spent; once the clock stepped back behind them they
 * counted again and {@code remaining} came out lower than the reference's (replay seed 20261261783636,
 * {@code SLIDING_LOG [60/27196883us]}: 56 instead of 58).
 */
class SlidingLogStepBackTest {

    private static final String TABLE = "sliding-log-step-back";
    private static final StateTransition REFERENCE = StateTransition.of(Algorithm.SLIDING_LOG);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static final long T0 = 4_102_444_884_372_500L;

    private static DynamoDbLocal local;
    private static DynamoDbClient client;
    private static DynamoDbStore store;

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

    /** Replays {@code ops} ({@code {time, permits}}, permits 0 = peek) on the store and the reference. */
    private static void replay(List<Limit> limits, long[][] ops) {
        StoreBinding binding = store.bind("ns" + NAMESPACES.incrementAndGet(), Algorithm.SLIDING_LOG, limits);
        long[] state = null;
        for (long[] op : ops) {
            StateTransition.Result expected = REFERENCE.apply(state, limits, op[1], op[0]);
            state = expected.state();
            Decision actual = op[1] == 0 ? binding.peek("k", op[0]) : binding.tryAcquire("k", op[1], op[0]);
            assertThat(actual).as(limits + " at t=" + op[0] + " acquiring " + op[1]).isEqualTo(expected.decision());
        }
    }

    @Test
    void regressionSlotsTheReferenceDroppedDoNotCountAgainAfterAStepBack() {
        long period = 27_196_883;
        replay(List.of(Limit.of(60, Duration.ofNanos(period * 1_000))), new long[][] {
            {T0, 2},                       // two permits, in two slots
            {T0 + period + 2_160_589, 1},  // the two have left the window; the reference drops them here
            {T0 + 8_626_364, 1},           // the clock steps back: they would be inside the window again
            {T0 + 8_626_364, 0},
        });
    }

    @Test
    void randomSequencesWithStepsBackEqualTheReference() {
        List<List<Limit>> sets = List.of(
                List.of(Limit.parse("5/1s")),
                List.of(Limit.parse("3/1s"), Limit.parse("8/10s")),
                List.of(Limit.of(60, Duration.ofNanos(27_196_883_000L))));
        Random random = new Random(20_261_261_783_636L);
        for (List<Limit> limits : sets) {
            long period = limits.stream().mapToLong(Limit::periodMicros).max().orElseThrow();
            long[][] ops = new long[120][];
            long now = T0;
            for (int i = 0; i < ops.length; i++) {
                switch (random.nextInt(5)) {
                    case 0 -> { }
                    case 1 -> now -= 1 + Math.floorMod(random.nextLong(), period);
                    default -> now += Math.floorMod(random.nextLong(), period / 2);
                }
                ops[i] = new long[] {now, random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(3)};
            }
            replay(limits, ops);
        }
    }
}
