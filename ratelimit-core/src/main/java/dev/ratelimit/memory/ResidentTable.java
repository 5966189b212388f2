package dev.ratelimit.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bound of an {@link InMemoryStore}: a table of {@code maximumKeys} slots, each holding at most one live
 * {@link Resident}, plus a running estimate of the heap the entries hold.
 *
 * <p>A new key claims an empty slot with one compare-and-set before it becomes visible; no slot, no entry, so the
 * key cap holds exactly, whatever the concurrency. When the table is full (or within 1/16 of full, where empty
 * slots get hard to find by sampling), a new key evicts: it samples {@value #SAMPLE} slots at random (all of
 * them in a table that small), and of the live entries it saw evicts the one whose forgetting costs least (see
 * {@link #cost}), taking over its slot. An entry back at full allowance costs nothing and ends the search at
 * once. When the estimated bytes exceed {@code maximumBytes}, the thread that crossed the budget evicts the same
 * way (up to {@value #TRIM_ROUNDS} entries a call), so the byte budget holds within what the threads adding at
 * that moment add.
 *
 * <p>New keys are placed among the first {@code 2 x keys + }{@value #CHUNK} slots, so a store with few keys
 * allocates few of the slot chunks ({@value #CHUNK} slots each), however large its cap.
 *
 * <p>The table also keeps the <em>removal mark</em>: the latest time at which a sweep or an eviction removed an
 * entry (raised before the entry dies, so a thread that finds it dead also finds the mark). A key whose state was removed at that time may have spent its allowance just before, so a fresh key at an
 * earlier time (the clock stepped back) must not start with the full allowance; the bindings ask for the mark.
 *
 * <p>Lock-free: nothing here blocks; a thread that loses a compare-and-set samples again.
 */
final class ResidentTable {

    /** Slots sampled per eviction. */
    static final int SAMPLE = 16;
    /** Most evictions one call makes to bring the bytes back under the budget. */
    static final int TRIM_ROUNDS = 8;

    private static final int CHUNK_BITS = 10;
    static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(Resident[][].class);
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Resident[].class);

    private final int capacity;
    private final long maximumBytes;
    private final Resident[][] chunks;
    private final LongAdder live = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final AtomicLong removalMark = new AtomicLong(Long.MIN_VALUE);

    ResidentTable(int capacity, long maximumBytes) {
        this.capacity = capacity;
        this.maximumBytes = maximumBytes;
        this.chunks = new Resident[(capacity + CHUNK - 1) >>> CHUNK_BITS][];
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
        return live.sum();
    }

    long bytes() {
        return bytes.sum();
    }

    long evictions() {
        return evictions.sum();
    }

    /** The latest time at which a sweep or an eviction removed an entry; {@code Long.MIN_VALUE} if none. */
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

    /**
     * Gives {@code fresh} a slot, evicting another entry if the table is (nearly) full; always succeeds. Then, if
     * the bytes exceed the budget, evicts until they do not (at most {@value #TRIM_ROUNDS} entries).
     */
    void admit(Resident fresh, long now) {
        long size = fresh.bytes();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int round = 0;; round++) {
            long count = live.sum();
            long narrow = 2 * count + CHUNK;
            int range = round >= 2 || narrow >= capacity ? capacity : (int) narrow;
            boolean evict = range == capacity && (count >= capacity - capacity / 16 || round >= 8);
            boolean scan = range <= SAMPLE;
            int samples = scan ? range : SAMPLE;
            Resident best = null;
            int bestSlot = -1;
            long bestCost = Long.MAX_VALUE;
            for (int k = 0; k < samples; k++) {
                int i = scan ? k : random.nextInt(range);
                Resident r = get(i);
                if (r == null) {
                    fresh.slot = i;
                    if (SLOTS.compareAndSet(chunk(i), i & MASK, null, fresh)) {
                        live.increment();
                        bytes.add(size);
                        trimIfOver(now);
                        return;
                    }
                } else if (evict) {
                    long cost = r.cost(now);
                    if (cost >= 0 && cost < bestCost) {
                        best = r;
                        bestSlot = i;
                        bestCost = cost;
                        if (cost == 0) {
                            break;
                        }
                    }
                }
            }
            if (best != null) {
                // The mark goes up before the entry dies: a thread that sees it dead then sees the mark.
                raiseRemovalMark(now);
                long freed = best.evict(now, bestCost);
                if (freed >= 0) {
                    fresh.slot = bestSlot;
                    SLOTS.setRelease(chunk(bestSlot), bestSlot & MASK, fresh);
                    bytes.add(size - freed);
                    evictions.increment();
                    trimIfOver(now);
                    return;
                }
            }
            if (round >= SAMPLE) {
                Thread.onSpinWait();
            }
        }
    }

    /** Takes a killed entry's slot back (it was removed by a sweep, a reset, or its insert lost a race). */
    void release(Resident dead, long freed) {
        int i = dead.slot;
        SLOTS.compareAndSet(chunk(i), i & MASK, dead, null);
        live.decrement();
        bytes.add(-freed);
    }

    /** Records that a live entry's state grew or shrank by {@code delta} estimated bytes. */
    void resized(long delta, long now) {
        bytes.add(delta);
        if (delta > 0) {
            trimIfOver(now);
        }
    }

    private void trimIfOver(long now) {
        for (int round = 0; round < TRIM_ROUNDS && bytes.sum() > maximumBytes; round++) {
            evictOne(now);
        }
    }

    /**
     * Evicts the cheapest of a sample, freeing its slot. Entries may be sparse here (the bytes, not the slots, ran
     * out), so the sample is the first {@value #SAMPLE} live entries from a random slot on, not random slots.
     */
    private void evictOne(long now) {
        int range = (int) Math.min(capacity, 2 * live.sum() + CHUNK);
        int start = ThreadLocalRandom.current().nextInt(range);
        Resident best = null;
        int bestSlot = -1;
        long bestCost = Long.MAX_VALUE;
        int seen = 0;
        for (int k = 0; k < capacity && seen < SAMPLE; k++) {
            int i = (start + k) % capacity;
            Resident r = get(i);
            long cost = r == null ? -1 : r.cost(now);
            if (cost >= 0) {
                seen++;
                if (cost < bestCost) {
                    best = r;
                    bestSlot = i;
                    bestCost = cost;
                }
            }
        }
        if (best != null) {
            raiseRemovalMark(now);
            long freed = best.evict(now, bestCost);
            if (freed >= 0) {
                SLOTS.compareAndSet(chunk(bestSlot), bestSlot & MASK, best, null);
                live.decrement();
                bytes.add(-freed);
                evictions.increment();
            }
        }
    }

    private Resident get(int i) {
        Resident[] chunk = (Resident[]) CHUNKS.getAcquire(chunks, i >>> CHUNK_BITS);
        return chunk == null ? null : (Resident) SLOTS.getAcquire(chunk, i & MASK);
    }

    private Resident[] chunk(int i) {
        int c = i >>> CHUNK_BITS;
        Resident[] chunk = (Resident[]) CHUNKS.getAcquire(chunks, c);
        if (chunk == null) {
            Resident[] created = new Resident[Math.min(CHUNK, capacity - (c << CHUNK_BITS))];
            chunk = CHUNKS.compareAndSet(chunks, c, null, created)
                    ? created : (Resident[]) CHUNKS.getAcquire(chunks, c);
        }
        return chunk;
    }
}
