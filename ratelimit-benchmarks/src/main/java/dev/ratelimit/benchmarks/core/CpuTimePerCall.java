package dev.ratelimit.benchmarks.core;

import dev.ratelimit.TimeSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;

/**
 * The allowed path measured in CPU time of the calling thread instead of wall time: on a machine shared with
 * other builds a JMH iteration also counts the time the thread spent descheduled, while thread CPU time does not.
 * A complement to {@link TryAcquireBenchmark} (same subjects, keys and limits), single-threaded; not a
 * replacement, since caches and the other hyperthread are still shared.
 *
 * <pre>
 * java -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.benchmarks.core.CpuTimePerCall SUBJECT KEYS
 * </pre>
 * SUBJECT is a {@link TryAcquireBenchmark} limiter name or {@code CLOCK_NANOTIME}, {@code CLOCK_INSTANT},
 * {@code CLOCK_TIME_SOURCE}. Prints one line: warm-up, then five rounds of about a CPU-second each, as
 * min / mean / max nanoseconds of thread CPU time per call.
 */
public final class CpuTimePerCall {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Where results go, so nothing the JIT could prove unused is left out. */
    static Object lastResult;
    static long lastTime;

    private CpuTimePerCall() {
    }

    /**
     * Runs the measurement.
     *
     * @param args the subject name, then optionally the number of keys (default 1)
     */
    public static void main(String[] args) {
        String name = args[0];
        int keyCount = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String[] keys = Keys.generate(keyCount);
        Subject subject = name.startsWith("CLOCK_") ? null : Subject.create(name, true);
        if (subject != null) {
            for (String key : keys) {
                subject.tryAcquire(key);
            }
        }
        long ops = 1_000;
        // Warm up for about three CPU-seconds, growing the batch until one takes about a CPU-second.
        long warmed = 0;
        while (warmed < 3_000_000_000L) {
            long used = round(name, subject, keys, ops);
            warmed += used;
            if (used < 500_000_000L) {
                ops *= 2;
            }
        }
        double min = Double.MAX_VALUE;
        double max = 0;
        double sum = 0;
        int rounds = 5;
        for (int r = 0; r < rounds; r++) {
            double perCall = (double) round(name, subject, keys, ops) / ops;
            min = Math.min(min, perCall);
            max = Math.max(max, perCall);
            sum += perCall;
        }
        System.out.printf("%-14s keys=%-7d cpu ns/call min %6.1f  mean %6.1f  max %6.1f%n",
                name, keyCount, min, sum / rounds, max);
    }

    /** Thread CPU nanoseconds spent on {@code ops} calls. */
    private static long round(String name, Subject subject, String[] keys, long ops) {
        long start = THREADS.getCurrentThreadCpuTime();
        if (subject != null) {
            acquire(subject, keys, ops);
        } else {
            clock(name, ops);
        }
        return THREADS.getCurrentThreadCpuTime() - start;
    }

    private static void acquire(Subject subject, String[] keys, long ops) {
        int i = 0;
        Object result = null;
        for (long n = 0; n < ops; n++) {
            if (++i >= keys.length) {
                i = 0;
            }
            result = subject.tryAcquire(keys[i]);
            lastResult = result;
        }
    }

    private static void clock(String name, long ops) {
        long sum = 0;
        switch (name) {
            case "CLOCK_NANOTIME" -> {
                for (long n = 0; n < ops; n++) {
                    sum += System.nanoTime();
                }
            }
            case "CLOCK_INSTANT" -> {
                for (long n = 0; n < ops; n++) {
                    Instant now = Instant.now();
                    sum += now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                }
            }
            case "CLOCK_TIME_SOURCE" -> {
                TimeSource system = TimeSource.system();
                for (long n = 0; n < ops; n++) {
                    sum += system.nowMicros();
                }
            }
            default -> throw new IllegalArgumentException("unknown subject " + name);
        }
        lastTime = sum;
    }
}
