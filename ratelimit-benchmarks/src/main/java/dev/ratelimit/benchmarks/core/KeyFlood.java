package dev.ratelimit.benchmarks.core;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.memory.InMemoryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Issue 12's attack on the in-memory store: a flood of distinct long keys through one limiter on the default
 * store ({@code InMemoryStore.create()}, the store of every limiter built without one), in a small heap, while a
 * set of "limited" keys that have spent their allowance keep being hammered. Keys are built on the fly and never
 * kept. Prints progress, then decisions/s, the heap after full collections, the store's keys, bytes and
 * evictions, and how many limited keys lost their state (a limited key that lost its state is admitted again
 * beyond its refill).
 *
 * <pre>
 * java -Xmx256m -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.benchmarks.core.KeyFlood \
 *     [keys=10000000] [keyBytes=7000] [limitedKeys=1000] [threads=2]
 * </pre>
 *
 * The limit is {@code 100/1d} (token bucket): each flood key spends 1 of 100, each limited key all 100, and a
 * limited key refills one permit every 864 s.
 */
public final class KeyFlood {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final Limit LIMIT = Limit.parse("100/1d");
    private static final long REFILL_SECONDS = 864;

    private KeyFlood() {
    }

    /**
     * Runs the flood and prints what the class comment lists.
     *
     * @param args optionally: keys, key bytes, limited keys, threads (see the class comment for the defaults)
     * @throws InterruptedException if interrupted while waiting for the heap to settle
     */
    public static void main(String[] args) throws InterruptedException {
        long keys = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int keyBytes = args.length > 1 ? Integer.parseInt(args[1]) : 7_000;
        int limitedCount = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        InMemoryStore store = InMemoryStore.create();
        RateLimiter limiter = RateLimiter.builder().limit(LIMIT).store(store).build();
        System.out.printf("max heap %,d MB; %s; %,d flood keys of %,d bytes, %,d limited keys, %d threads%n",
                Runtime.getRuntime().maxMemory() >> 20, store, keys, keyBytes, limitedCount, threads);

        // Half the limited keys are short client ids, half as long as the flood's keys.
        String[] limited = new String[limitedCount];
        for (int i = 0; i < limitedCount; i++) {
            limited[i] = i % 2 == 0 ? String.format("client-%07d", i) : key("limited-", i, keyBytes);
            Decision spend = limiter.tryAcquire(limited[i], LIMIT.capacity());
            if (!spend.allowed()) {
                throw new IllegalStateException("limited key " + i + " could not spend its allowance: " + spend);
            }
        }
        AtomicLongArray readmitted = new AtomicLongArray(limitedCount);
        AtomicLong decisions = new AtomicLong();
        AtomicLong floodDenied = new AtomicLong();
        long started = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long from = keys * t / threads;
            long to = keys * (t + 1) / threads;
            Thread worker = new Thread(() -> {
                char[] buffer = template(keyBytes);
                int hammer = 0;
                for (long i = from; i < to; i++) {
                    Decision decision = limiter.tryAcquire(next(buffer, i));
                    if (!decision.allowed()) {
                        floodDenied.incrementAndGet();
                    }
                    if (i % 100 == 0) {
                        // Hammer the limited keys: each is tried about once per 100,000 flood keys.
                        int k = hammer++ % limitedCount;
                        if (limiter.tryAcquire(limited[k]).allowed()) {
                            readmitted.incrementAndGet(k);
                        }
                    }
                    long done = decisions.incrementAndGet();
                    if (done % 1_000_000 == 0) {
                        progress(store, done, started);
                    }
                }
            }, "flood-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long refills = 1 + (long) (seconds / REFILL_SECONDS);
        int lost = 0;
        for (int k = 0; k < limitedCount; k++) {
            long remaining = limiter.peek(limited[k]).remaining();
            if (readmitted.get(k) > refills || remaining > refills) {
                lost++;
            }
        }
        long heap = settledHeap();
        System.out.printf("%n%,d flood decisions in %.1f s: %,.0f decisions/s (%,d flood keys denied)%n",
                decisions.get(), seconds, decisions.get() / seconds, floodDenied.get());
        System.out.printf("heap after GC: %,.1f MB; store: %s%n", heap / 1048576.0, store);
        System.out.printf("limited keys that lost their state: %d of %d (readmitted beyond %d refill)%n",
                lost, limitedCount, refills);
    }

    private static void progress(InMemoryStore store, long done, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%,12d decisions %6.1f s %,10.0f/s  keys %,d  est. %,d MB  evictions %,d  heap used %,d MB%n",
                done, seconds, done / seconds, store.keyCount(), store.estimatedBytes() >> 20,
                store.evictionCount(), MEMORY.getHeapMemoryUsage().getUsed() >> 20);
    }

    private static char[] template(int length) {
        char[] buffer = new char[length];
        java.util.Arrays.fill(buffer, 'x');
        "flood-".getChars(0, 6, buffer, 0);
        return buffer;
    }

    /** The flood key number {@code i}: the template with {@code i} written after "flood-". */
    private static String next(char[] buffer, long i) {
        long n = i;
        for (int p = 6 + 19; p >= 6; p--) {
            buffer[p] = (char) ('0' + n % 10);
            n /= 10;
        }
        return new String(buffer);
    }

    private static String key(String prefix, long i, int length) {
        StringBuilder key = new StringBuilder(length).append(prefix).append(i).append(':');
        while (key.length() < length) {
            key.append('y');
        }
        return key.toString();
    }

    /** Used heap once full collections stop freeing memory. */
    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            long now = MEMORY.getHeapMemoryUsage().getUsed();
            if (i >= 3 && Math.abs(used - now) < 4096) {
                return now;
            }
            used = now;
        }
        return used;
    }
}
