package dev.ratelimit.benchmarks.dynamodb;

import dev.ratelimit.testservers.DynamoDbLocal;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;

/**
 * The peer for {@link DynamoDbStoreBenchmark}: the usual hand-written DynamoDB limiter (and what a
 * compare-and-swap-only store such as Bucket4j's must do; Bucket4j has no SDK v2 DynamoDB module to measure),
 * a fixed window of 10 per second decided by a consistent {@code GetItem}, then a {@code PutItem} conditioned on
 * the count read, retried on conflict. Same server, same limit, same keys as the store benchmark; run both in one
 * invocation:
 *
 * <pre>
 * DDB_LOCAL_TELEMETRY=0 flock /tmp/jmh.lock java -jar ratelimit-benchmarks/target/benchmarks.jar \
 *     'benchmarks.dynamodb' -f 1 -wi 2 -w 2s -i 3 -r 2s -t 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReadThenWriteBaselineBenchmark {

    private static final ThreadLocal<long[]> SENT = ThreadLocal.withInitial(() -> new long[1]);
    private static final long LIMIT = 10;

    /** How many distinct keys: one hot key (contention), or many. */
    @Param({"1", "10000"})
    public int keys;

    private DynamoDbLocal dynamo;
    private DynamoDbClient client;
    private String[] keyNames;

    /** Starts DynamoDB Local and creates the table. */
    @Setup(Level.Trial)
    public void start() {
        dynamo = DynamoDbLocal.start();
        client = dynamo.client(new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                SENT.get()[0]++;
            }
        });
        client.createTable(b -> b.tableName("baseline")
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType("S").build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType("HASH").build())
                .billingMode("PAY_PER_REQUEST"));
        keyNames = new String[keys];
        for (int i = 0; i < keys; i++) {
            keyNames[i] = "client-" + i;
        }
    }

    /** Closes the client and stops DynamoDB Local. */
    @TearDown(Level.Trial)
    public void stop() {
        client.close();
        dynamo.close();
    }

    /** Per-thread counts, summed over threads by JMH. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counts {
        /** DynamoDB requests sent. */
        public long requests;
        /** Decisions that allowed. */
        public long allowed;
        /** Decisions that denied. */
        public long denied;
        /** Decisions abandoned after 16 lost races. */
        public long gaveUp;
    }

    /**
     * One read-then-conditional-write decision on a random key.
     *
     * @param counts this thread's counters
     * @return whether the request was allowed
     */
    @Benchmark
    public boolean decide(Counts counts) {
        String key = keyNames.length == 1 ? keyNames[0]
                : keyNames[ThreadLocalRandom.current().nextInt(keyNames.length)];
        long[] sent = SENT.get();
        long before = sent[0];
        Map<String, AttributeValue> pk = Map.of("pk", AttributeValue.fromS(key));
        try {
            for (int attempt = 0; attempt < 16; attempt++) {
                long window = System.currentTimeMillis() / 1000;
                GetItemResponse read = client.getItem(b -> b.tableName("baseline").key(pk).consistentRead(true));
                boolean exists = read.hasItem() && !read.item().isEmpty();
                long storedWindow = exists ? Long.parseLong(read.item().get("w").n()) : -1;
                long storedCount = exists ? Long.parseLong(read.item().get("c").n()) : 0;
                long count = storedWindow == window ? storedCount : 0;
                if (count + 1 > LIMIT) {
                    counts.denied++;
                    return false;
                }
                Map<String, AttributeValue> item = Map.of(
                        "pk", AttributeValue.fromS(key),
                        "w", AttributeValue.fromN(Long.toString(window)),
                        "c", AttributeValue.fromN(Long.toString(count + 1)));
                try {
                    if (exists) {
                        client.putItem(b -> b.tableName("baseline").item(item)
                                .conditionExpression("w = :w AND c = :c")
                                .expressionAttributeValues(Map.of(
                                        ":w", AttributeValue.fromN(Long.toString(storedWindow)),
                                        ":c", AttributeValue.fromN(Long.toString(storedCount)))));
                    } else {
                        client.putItem(b -> b.tableName("baseline").item(item)
                                .conditionExpression("attribute_not_exists(pk)"));
                    }
                    counts.allowed++;
                    return true;
                } catch (ConditionalCheckFailedException lost) {
                    // another writer changed the item between our read and write: read again
                }
            }
            counts.gaveUp++;
            return false;
        } finally {
            counts.requests += sent[0] - before;
        }
    }
}
