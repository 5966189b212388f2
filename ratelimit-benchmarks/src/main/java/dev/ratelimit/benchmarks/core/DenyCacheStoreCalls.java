package dev.ratelimit.benchmarks.core;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.testkit.CountingStore;

/**
 * The local deny cache's effect on store load: one key floods a "100/1s" token bucket at full speed from one
 * thread for a few seconds, once without and once with {@link RateLimiter.Builder#localDenyCache(int)}, and the
 * calls that reach the store are counted by a wrapper around an {@link InMemoryStore}. Prints decisions, allowed
 * decisions and store calls per second for each run, and the ratio of store calls.
 *
 * <pre>
 * java -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.benchmarks.core.DenyCacheStoreCalls [seconds]
 * </pre>
 */
public final class DenyCacheStoreCalls {

    private DenyCacheStoreCalls() {
    }

    /**
     * Runs both floods and prints the store calls of each.
     *
     * @param args optionally the seconds each flood lasts (default 3)
     */
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        Run without = flood(false, seconds);
        Run with = flood(true, seconds);
        System.out.println(without);
        System.out.println(with);
        System.out.printf("store calls per second drop %.0fx with the deny cache%n",
                without.storeCallsPerSecond() / with.storeCallsPerSecond());
    }

    private static Run flood(boolean denyCache, double seconds) {
        CountingStore store = CountingStore.wrapping(InMemoryStore.create());
        RateLimiter.Builder builder = RateLimiter.builder()
                .algorithm(Algorithm.TOKEN_BUCKET)
                .limit(Limit.parse("100/1s"))
                .store(store);
        if (denyCache) {
            builder.localDenyCache(1_000);
        }
        RateLimiter limiter = builder.build();
        long decisions = 0;
        long allowed = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now;
        do {
            for (int i = 0; i < 1_000; i++) {
                Decision decision = limiter.tryAcquire("flooding-client");
                decisions++;
                if (decision.allowed()) {
                    allowed++;
                }
            }
            now = System.nanoTime();
        } while (now < end);
        double elapsed = (now - start) / 1e9;
        return new Run(denyCache, elapsed, decisions, allowed, store.calls());
    }

    private record Run(boolean denyCache, double seconds, long decisions, long allowed, long storeCalls) {
        double storeCallsPerSecond() {
            return storeCalls / seconds;
        }

        @Override
        public String toString() {
            return String.format("%-17s %.2f s: %,12.0f decisions/s, %,6.1f allowed/s (limit 100/s + burst 100),"
                    + " %,12.0f store calls/s", denyCache ? "with deny cache" : "without", seconds,
                    decisions / seconds, allowed / seconds, storeCallsPerSecond());
        }
    }

}
