package dev.ratelimit.benchmarks.core;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The allowed path: {@code tryAcquire(key)} on one hot key or cycling over 100,000 keys, for each of our
 * algorithms on the in-memory store (system clock, as a user gets by default) and for Bucket4j, Guava and
 * Resilience4j. Limits are so large that no call is denied.
 *
 * <pre>
 * java -jar ratelimit-benchmarks/target/benchmarks.jar 'core.TryAcquireBenchmark' -f 1 -wi 2 -w 2s -i 3 -r 2s -t 1
 * </pre>
 * Add {@code -t 2} for two threads on the same keys, {@code -prof gc} for allocation per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class TryAcquireBenchmark {

    /** The limiter measured: one of ours by algorithm, or a peer library. */
    @Param({"FIXED_WINDOW", "SLIDING_WINDOW", "SLIDING_LOG", "TOKEN_BUCKET", "BUCKET4J", "GUAVA", "RESILIENCE4J"})
    public String limiter;

    /** How many distinct keys the calls cycle through: one hot key, or many. */
    @Param({"1", "100000"})
    public int keys;

    private Subject subject;
    private String[] keyArray;

    /** Builds the limiter and touches every key once, so that the measurement sees existing state. */
    @Setup(Level.Trial)
    public void setUp() {
        subject = Subject.create(limiter, true);
        keyArray = Keys.generate(keys);
        for (String key : keyArray) {
            subject.tryAcquire(key);
        }
    }

    /** Each thread walks the keys from its own offset. */
    @State(Scope.Thread)
    public static class Cursor {
        int index;

        /**
         * Starts this thread at its share of the keys.
         *
         * @param benchmark the benchmark state holding the keys
         * @param thread this thread's index and the thread count
         */
        @Setup(Level.Trial)
        public void setUp(TryAcquireBenchmark benchmark, ThreadParams thread) {
            int n = benchmark.keyArray.length;
            index = (int) ((long) thread.getThreadIndex() * n / Math.max(1, thread.getThreadCount())) % n;
        }
    }

    /**
     * One decision on the next key.
     *
     * @param cursor where this thread is in the keys
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public Object tryAcquire(Cursor cursor) {
        String[] k = keyArray;
        int i = cursor.index + 1;
        if (i >= k.length) {
            i = 0;
        }
        cursor.index = i;
        return subject.tryAcquire(k[i]);
    }
}
