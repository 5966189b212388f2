package dev.ratelimit.examples;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TimeSource;
import java.time.Duration;
import java.util.function.IntConsumer;

/**
 * A batch job that paces its calls to a paid upstream at 50 per second with the blocking {@code acquire}.
 *
 * <p>Run: {@code mvn -q -pl examples -am compile exec:java -Ddemo.mainClass=dev.ratelimit.examples.BatchJob}
 */
public final class BatchJob {

    private final RateLimiter upstreamLimit;

    /** A job paced at {@code callsPerSecond}, reading time from {@code time} (the system clock in production). */
    public BatchJob(long callsPerSecond, TimeSource time) {
        this.upstreamLimit = RateLimiter.builder()
                .limit(Limit.perSecond(callsPerSecond).withBurst(1))   // no burst: an even pace
                .algorithm(Algorithm.TOKEN_BUCKET)
                .timeSource(time)
                .build();
    }

    /** Calls {@code upstream} once per item, never faster than the limit. Returns the number of calls made. */
    public int run(int items, IntConsumer upstream) throws InterruptedException {
        int calls = 0;
        for (int item = 0; item < items; item++) {
            Decision d = upstreamLimit.acquire("paid-upstream", 1, Duration.ofSeconds(10));
            if (!d.allowed()) {
                throw new IllegalStateException("upstream budget unavailable: " + d);
            }
            upstream.accept(item);
            calls++;
        }
        return calls;
    }

    public static void main(String[] args) throws InterruptedException {
        int items = 200;
        BatchJob job = new BatchJob(50, TimeSource.system());
        long start = System.nanoTime();
        job.run(items, item -> {
            if (item % 50 == 0) {
                System.out.printf("calling upstream for item %d at %.2fs%n", item, (System.nanoTime() - start) / 1e9);
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d calls in %.2f s = %.1f calls/s (limit 50/s)%n", items, seconds, items / seconds);
    }
}
