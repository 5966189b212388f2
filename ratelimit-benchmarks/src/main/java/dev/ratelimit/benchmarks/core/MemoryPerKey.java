package dev.ratelimit.benchmarks.core;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.memory.InMemoryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;

/**
 * Prints the heap each idle key costs in the in-memory store: 10<sup>6</sup> keys each spend one permit of
 * "100/1m" at one instant of a frozen clock (so none is back at full allowance and none is swept), and the
 * heap after full collections is compared with the heap before. The key strings are created beforehand and
 * reported separately, since an application holds its keys anyway.
 *
 * <pre>
 * java -Xmx2g -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.benchmarks.core.MemoryPerKey [keys] [algorithm...]
 * </pre>
 */
public final class MemoryPerKey {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private MemoryPerKey() {
    }

    /**
     * Fills a store and prints the heap per key.
     *
     * @param args optionally the number of keys (default 1,000,000), then the algorithms to measure
     */
    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Algorithm[] algorithms = Algorithm.values();
        if (args.length > 1) {
            algorithms = new Algorithm[args.length - 1];
            for (int i = 1; i < args.length; i++) {
                algorithms[i - 1] = Algorithm.valueOf(args[i]);
            }
        }
        long empty = settledHeap();
        String[] keys = Keys.generate(count);
        long withKeys = settledHeap();
        System.out.printf("keys: %,d; key strings (\"client-0000042\"): %.1f bytes each, not counted below%n",
                count, (double) (withKeys - empty) / count);
        for (Algorithm algorithm : algorithms) {
            measure(algorithm, keys);
        }
        Reference.reachabilityFence(keys);
    }

    private static void measure(Algorithm algorithm, String[] keys) {
        long frozen = 1_800_000_000_000_000L;
        long before = settledHeap();
        // Room for every key measured (the store starts evicting within 1/16 of its key cap), not the default
        // bounds, which would evict.
        InMemoryStore store = InMemoryStore.builder().maximumKeys(keys.length + keys.length / 8)
                .maximumBytes(Long.MAX_VALUE).build();
        RateLimiter limiter = RateLimiter.builder()
                .algorithm(algorithm)
                .limit(Limit.parse("100/1m"))
                .store(store)
                .timeSource(() -> frozen)
                .build();
        for (String key : keys) {
            Decision decision = limiter.tryAcquire(key);
            if (!decision.allowed()) {
                throw new IllegalStateException("first request of " + key + " was denied: " + decision);
            }
        }
        long after = settledHeap();
        if (store.keyCount() != keys.length) {
            throw new IllegalStateException("store holds " + store.keyCount() + " keys, expected " + keys.length);
        }
        System.out.printf("%-15s %6.1f bytes per idle key (heap %,d -> %,d bytes)%n",
                algorithm, (double) (after - before) / keys.length, before, after);
        Reference.reachabilityFence(limiter);
        Reference.reachabilityFence(store);
    }

    /** Used heap once full collections stop freeing memory. */
    private static long settledHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = MEMORY.getHeapMemoryUsage().getUsed();
            if (i >= 3 && Math.abs(used - now) < 4096) {
                return now;
            }
            used = now;
        }
        return used;
    }
}
