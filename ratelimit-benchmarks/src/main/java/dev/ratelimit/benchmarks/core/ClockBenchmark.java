package dev.ratelimit.benchmarks.core;

import dev.ratelimit.TimeSource;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The floor under every limiter: reading the clock. Ours reads the wall clock in microseconds
 * ({@link TimeSource#system()}); Bucket4j, Guava and Resilience4j read {@link System#nanoTime()}.
 *
 * <pre>
 * java -jar ratelimit-benchmarks/target/benchmarks.jar 'core.ClockBenchmark' -f 1 -wi 2 -w 2s -i 3 -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class ClockBenchmark {

    private final TimeSource system = TimeSource.system();

    /**
     * {@code System.nanoTime()}.
     *
     * @return the time read
     */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }

    /**
     * {@code System.currentTimeMillis()}.
     *
     * @return the time read
     */
    @Benchmark
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    /**
     * {@code Instant.now()} turned into epoch microseconds.
     *
     * @return the time read
     */
    @Benchmark
    public long instantNowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /**
     * The limiter's default clock, {@code TimeSource.system()}.
     *
     * @return the time read
     */
    @Benchmark
    public long timeSourceSystem() {
        return system.nowMicros();
    }
}
