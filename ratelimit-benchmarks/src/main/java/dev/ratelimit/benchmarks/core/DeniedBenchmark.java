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

/**
 * The denied path: one hot key whose only permit per hour is already spent, so every call is denied. Ours on
 * the in-memory store for each algorithm, ours with the local deny cache in front of the store
 * ({@code DENY_CACHE_TOKEN_BUCKET}), and the peers.
 *
 * <pre>
 * java -jar ratelimit-benchmarks/target/benchmarks.jar 'core.DeniedBenchmark' -f 1 -wi 2 -w 2s -i 3 -r 2s -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class DeniedBenchmark {

    /** The limiter measured: one of ours by algorithm (or with the deny cache), or a peer library. */
    @Param({"FIXED_WINDOW", "SLIDING_WINDOW", "SLIDING_LOG", "TOKEN_BUCKET", "DENY_CACHE_TOKEN_BUCKET",
            "BUCKET4J", "GUAVA", "RESILIENCE4J"})
    public String limiter;

    private Subject subject;
    private final String key = "client-0000001";

    /** Builds the limiter and spends the key, so that every measured call is a denial. */
    @Setup(Level.Trial)
    public void setUp() {
        subject = Subject.create(limiter, false);
        subject.tryAcquire(key);
        Object second = subject.tryAcquire(key);
        if (!(Boolean.FALSE.equals(second)
                || second instanceof dev.ratelimit.Decision d && !d.allowed())) {
            throw new IllegalStateException(limiter + " did not deny the second call: " + second);
        }
    }

    /**
     * One call on a key that is already denied.
     *
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public Object tryAcquire() {
        return subject.tryAcquire(key);
    }
}
