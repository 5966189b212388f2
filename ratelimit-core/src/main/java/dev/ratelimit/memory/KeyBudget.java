package dev.ratelimit.memory;

import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bounds of an {@link InMemoryStore}: how many keys it holds and their estimated bytes, which bindings add to
 * before a new key becomes visible and take back when a key is removed; and eviction, which brings both back
 * under their maximum.
 *
 * <p>A new key first reserves its place (one atomic increment) and its bytes. If that takes the store over a
 * bound, the inserting thread evicts, up to {@value #MAX_EVICTIONS} keys, until it is not. To evict it picks a
 * binding (at random, weighted by its keys) and samples {@value #SAMPLE} distinct keys of the binding from small
 * random regions of its hash table, found by splitting the table's spliterator at random (see {@link #cheapest}),
 * so nothing outside the map references an entry (an entry stays next to its map node in memory, which keeps the
 * decision path as fast as without eviction). Of the sample it evicts the key whose forgetting costs least (see
 * {@link #cost}); while that key has spent half its allowance or more, it draws up to {@value #ROUNDS} samples
 * in all. An entry a sample found changed meanwhile is not evicted (the call reports none). The key cap
 * therefore holds within one key per thread inserting at the same moment, the byte budget within what those
 * threads add.
 *
 * <p>It also keeps the <em>removal mark</em>: the latest time at which a sweep or an eviction removed a key
 * (raised before the key dies, so a thread that finds it dead also finds the mark). A key whose state was removed
 * then may have spent its allowance just before, so a fresh key at an earlier time (the clock stepped back) must
 * not start with the full allowance; the bindings ask for the mark.
 *
 * <p>Lock-free and thread-safe.
 */
final class KeyBudget {

    /** Estimated heap bytes of a key apart from the key and its state: map node, table share, entry. */
    static final long ENTRY_BYTES = 72;
    /** Distinct keys in one sample. */
    static final int SAMPLE = 16;
    /**
     * Samples drawn at most per eviction: while the cheapest seen has spent half its allowance or more, another
     * sample is drawn, so a key being limited is evicted only when {@value #ROUNDS} samples found nothing cheaper.
     */
    static final int ROUNDS = 4;
    private static final long HALF_SPENT = 1L << 61;
    /** The entries a sampled region holds on average (before regions widen). */
    static final int PER_REGION = 2;
    /** Most evictions one insert makes to come back under the bounds. */
    static final int MAX_EVICTIONS = 16;

    private final long maximumKeys;
    private final long maximumBytes;
    private final List<SweptBinding> bindings;
    private final AtomicLong keys = new AtomicLong();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final AtomicLong removalMark = new AtomicLong(Long.MIN_VALUE);

    KeyBudget(long maximumKeys, long maximumBytes, List<SweptBinding> bindings) {
        this.maximumKeys = maximumKeys;
        this.maximumBytes = maximumBytes;
        this.bindings = bindings;
    }

    /**
     * The cost of forgetting a key at full allowance minus {@code spent} of {@code capacity} permits, back at full
     * allowance in {@code resetAfterMicros}: first the fraction of the allowance spent (22 bits, rounded up, so
     * any spending costs more than none), then the time until full (40 bits of microseconds, about 12 days).
     */
    static long cost(long spent, long capacity, long resetAfterMicros) {
        long fraction = spent <= 0 ? 0
                : Math.max(1, (long) Math.ceil((double) Math.min(spent, capacity) / capacity * (1 << 22)));
        return fraction << 40 | Math.min(Math.max(0, resetAfterMicros), (1L << 40) - 1);
    }

    long keys() {
        return keys.get();
    }

    long bytes() {
        return bytes.sum();
    }

    long evictions() {
        return evictions.sum();
    }

    /** The latest time at which a sweep or an eviction removed a key; {@code Long.MIN_VALUE} if none. */
    long removalMark() {
        return removalMark.get();
    }

    void raiseRemovalMark(long now) {
        for (long mark = removalMark.get(); mark < now; mark = removalMark.get()) {
            if (removalMark.compareAndSet(mark, now)) {
                return;
            }
        }
    }

    /** Reserves room for a new key of {@code size} estimated bytes, evicting others if that exceeds a bound. */
    void admit(long size, long now) {
        long count = keys.incrementAndGet();
        bytes.add(size);
        for (int i = 0; i < MAX_EVICTIONS && (count > maximumKeys || bytes.sum() > maximumBytes); i++) {
            evictOne(now);
            count = keys.get();
        }
    }

    /** Gives back the room of a key that was removed (swept, reset) or never published (its insert lost a race). */
    void release(long size) {
        keys.decrementAndGet();
        bytes.add(-size);
    }

    /** Records that a live key's state grew or shrank by {@code delta} estimated bytes. */
    void resized(long delta, long now) {
        bytes.add(delta);
        for (int i = 0; delta > 0 && i < MAX_EVICTIONS && bytes.sum() > maximumBytes; i++) {
            evictOne(now);
        }
    }

    private void evictOne(long now) {
        SweptBinding binding = pickBinding();
        if (binding == null) {
            Thread.onSpinWait();
            return;
        }
        raiseRemovalMark(now);
        long freed = binding.evictOne(now);
        if (freed >= 0) {
            release(freed);
            evictions.increment();
        }
    }

    /** A binding with keys, chosen at random in proportion to its keys. */
    private SweptBinding pickBinding() {
        if (bindings.size() == 1) {
            return bindings.get(0);
        }
        long total = 0;
        for (SweptBinding binding : bindings) {
            total += binding.mappedKeys();
        }
        if (total <= 0) {
            return null;
        }
        long pick = ThreadLocalRandom.current().nextLong(total);
        for (SweptBinding binding : bindings) {
            pick -= binding.mappedKeys();
            if (pick < 0) {
                return binding;
            }
        }
        return null;
    }

    /** How a binding prices one of its entries: {@link #cost}, or -1 for a dead entry. */
    interface Pricing<V> {
        long cost(V value, long now);
    }

    /**
     * The cheapest of {@value #SAMPLE} distinct live entries of {@code map}, or null if it found none; a map of
     * {@value #SAMPLE} entries or fewer is read whole. The entries come from random regions of the table, each a
     * few adjacent bins holding about {@value #PER_REGION} entries (found by splitting the table's spliterator at
     * random), read whole: so every entry is equally likely to be sampled, and a sample spans several regions
     * (keys with similar hash codes, such as sequential ids, share bins; a sample from one region would hold only
     * such neighbours, and taking only the first entries of a region would favour entries after empty bins).
     * Regions widen (4x) after every {@value #SAMPLE} regions while the sample is not full, as in a sparse table.
     * Since a region's entries are neighbours, a sample can still be lopsided; so while the cheapest entry found
     * has spent half its allowance or more, up to {@value #ROUNDS} samples are drawn.
     */
    static <V> Candidate<V> cheapest(ConcurrentHashMap<Object, V> map, Pricing<V> pricing, long now) {
        Candidate<V> best = null;
        for (int round = 0; round < ROUNDS && (best == null || best.cost >= HALF_SPENT); round++) {
            Candidate<V> found = sample(map, pricing, now);
            if (found == null) {
                break;
            }
            if (best == null || found.cost < best.cost) {
                best = found;
            }
        }
        return best;
    }

    private static <V> Candidate<V> sample(ConcurrentHashMap<Object, V> map, Pricing<V> pricing, long now) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Object[] seen = new Object[SAMPLE];
        int count = 0;
        Candidate<V> best = null;
        Candidate<V> found = new Candidate<>();
        long regionSize = PER_REGION;
        for (int attempt = 0; attempt < 4 * SAMPLE && count < SAMPLE; attempt++) {
            if (attempt > 0 && attempt % SAMPLE == 0) {
                regionSize *= 4; // the table is sparser than its size suggests: look wider
            }
            Spliterator<Map.Entry<Object, V>> region = map.entrySet().spliterator();
            boolean whole = region.estimateSize() <= SAMPLE;
            while (!whole && region.estimateSize() > regionSize) {
                Spliterator<Map.Entry<Object, V>> half = region.trySplit();
                if (half == null) {
                    break;
                }
                if (random.nextBoolean()) {
                    region = half;
                }
            }
            while (count < SAMPLE && region.tryAdvance(found)) {
                if (contains(seen, count, found.value)) {
                    continue;
                }
                long cost = pricing.cost(found.value, now);
                if (cost < 0) {
                    continue;
                }
                seen[count++] = found.value;
                if (best == null || cost < best.cost) {
                    best = new Candidate<>();
                    best.key = found.key;
                    best.value = found.value;
                    best.cost = cost;
                }
            }
            if (whole) {
                return best;
            }
        }
        return best;
    }

    private static boolean contains(Object[] values, int count, Object value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    /** A sampled entry and its cost. Not thread-safe; confined to the evicting thread. */
    static final class Candidate<V> implements java.util.function.Consumer<Map.Entry<Object, V>> {
        Object key;
        V value;
        long cost;

        @Override
        public void accept(Map.Entry<Object, V> entry) {
            key = entry.getKey();
            value = entry.getValue();
        }
    }
}
