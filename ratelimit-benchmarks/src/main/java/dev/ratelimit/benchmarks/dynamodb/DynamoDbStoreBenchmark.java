package dev.ratelimit.benchmarks.dynamodb;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
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

/**
 * Decisions per second of {@link DynamoDbStore} against DynamoDB Local, started in the benchmark's JVM behind a
 * real HTTP endpoint on 127.0.0.1, for every algorithm, on one hot key or spread over many keys; and the DynamoDB
 * requests each decision sent (an {@link ExecutionInterceptor} counts them: the {@code requests} secondary result
 * is requests per second, so requests per decision = {@code requests / score}).
 *
 * <p>Limit 10 per second per key: spread over 10,000 keys nearly every decision is allowed; on one hot key most
 * are denied, and 8 threads contend for one item.
 *
 * <pre>
 * mvn -B -o -q -pl ratelimit-benchmarks -am package -DskipTests
 * DDB_LOCAL_TELEMETRY=0 flock /tmp/jmh.lock java -jar ratelimit-benchmarks/target/benchmarks.jar \
 *     DynamoDbStoreBenchmark -f 1 -wi 2 -w 2s -i 3 -r 2s -t 1     (and again with -t 8)
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DynamoDbStoreBenchmark {

    /** Requests sent by the current thread; the synchronous client runs interceptors on the calling thread. */
    private static final ThreadLocal<long[]> SENT = ThreadLocal.withInitial(() -> new long[1]);

    /** The algorithm measured. */
    @Param({"FIXED_WINDOW", "SLIDING_WINDOW", "SLIDING_LOG", "TOKEN_BUCKET"})
    public Algorithm algorithm;

    /** How many distinct keys: one hot key (contention), or many. */
    @Param({"1", "10000"})
    public int keys;

    private DynamoDbLocal dynamo;
    private DynamoDbClient client;
    private RateLimiter limiter;
    private String[] keyNames;

    /** Starts DynamoDB Local, creates the table and builds the limiter. */
    @Setup(Level.Trial)
    public void start() {
        dynamo = DynamoDbLocal.start();
        client = dynamo.client(new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                SENT.get()[0]++;
            }
        });
        DynamoDbStore.createTable(client, "bench");
        DynamoDbStore store = DynamoDbStore.builder(client).tableName("bench")
                .timeout(Duration.ofSeconds(10)).build();
        limiter = RateLimiter.builder()
                .algorithm(algorithm)
                .limits(Limit.parse("10/1s"))
                .store(store)
                .namespace("bench")
                .failurePolicy(FailurePolicy.deny())
                .build();
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

    /** Per-thread counts that JMH sums over threads and reports as rates next to the score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counts {
        /** DynamoDB requests sent. */
        public long requests;
        /** Decisions that allowed. */
        public long allowed;
        /** Decisions that denied. */
        public long denied;
        /** Decisions the store could not make. */
        public long storeErrors;
    }

    /**
     * One decision on a random key, counting the requests it took.
     *
     * @param counts this thread's counters
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public Decision decide(Counts counts) {
        String key = keyNames.length == 1 ? keyNames[0]
                : keyNames[ThreadLocalRandom.current().nextInt(keyNames.length)];
        long[] sent = SENT.get();
        long before = sent[0];
        Decision d = limiter.tryAcquire(key);
        counts.requests += sent[0] - before;
        if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
            counts.storeErrors++;
        } else if (d.allowed()) {
            counts.allowed++;
        } else {
            counts.denied++;
        }
        return d;
    }
}
