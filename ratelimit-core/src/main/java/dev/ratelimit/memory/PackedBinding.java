package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.internal.Check;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One single-limit limiter's keys in an {@link InMemoryStore} when its state packs into one {@code long}
 * ({@link PackedAlgorithm}): each key is a {@link Cell} with one word, updated by one compare-and-set. The allowed
 * path of a known short key allocates only the returned {@link Decision}; a denial writes nothing. A new key is
 * created with its first decision already applied, after it has reserved its room in the store's
 * {@link KeyBudget} (which may evict another key). Thread-safe and lock-free per key.
 */
final class PackedBinding implements StoreBinding, SweptBinding {

    /** Marks a removed cell; words are never negative. A thread that sees it starts over with a fresh cell. */
    private static final long DEAD = Long.MIN_VALUE;

    private final InMemoryStore store;
    private final KeyBudget budget;
    private final PackedAlgorithm algorithm;
    private final ConcurrentHashMap<Object, Cell> cells = new ConcurrentHashMap<>();
    /** The word a fresh key starts from at a time before the removal mark, for the last mark asked about. */
    private volatile FreshWord freshWord;

    PackedBinding(InMemoryStore store, PackedAlgorithm algorithm) {
        this.store = store;
        this.budget = store.budget();
        this.algorithm = algorithm;
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        checkTime(nowMicros);
        store.maybeSweep(nowMicros);
        Object stored = StoredKey.of(key);
        for (;;) {
            Cell cell = cells.get(stored);
            if (cell == null) {
                long initial = initialWord(nowMicros);
                long next = algorithm.spend(initial, permits, nowMicros);
                if (next == PackedAlgorithm.DENIED) {
                    return algorithm.denied(initial, permits, nowMicros);
                }
                if (insert(stored, next, nowMicros)) {
                    return algorithm.allowed(next, nowMicros);
                }
                continue;
            }
            long word = cell.word;
            if (word == DEAD) {
                cells.remove(stored, cell);
                continue;
            }
            long next = algorithm.spend(word, permits, nowMicros);
            if (next == PackedAlgorithm.DENIED) {
                return algorithm.denied(word, permits, nowMicros);
            }
            if (cell.compareAndSet(word, next)) {
                return algorithm.allowed(next, nowMicros);
            }
        }
    }

    @Override
    public Decision adjust(String key, long delta, long nowMicros) {
        Check.delta(delta);
        checkTime(nowMicros);
        store.maybeSweep(nowMicros);
        Object stored = StoredKey.of(key);
        for (;;) {
            Cell cell = cells.get(stored);
            if (cell == null) {
                long next = algorithm.adjust(initialWord(nowMicros), delta, nowMicros);
                if (algorithm.full(next, nowMicros) && nowMicros >= budget.removalMark()
                        || insert(stored, next, nowMicros)) {
                    return algorithm.peek(next, nowMicros);
                }
                continue;
            }
            long word = cell.word;
            if (word == DEAD) {
                cells.remove(stored, cell);
                continue;
            }
            long next = algorithm.adjust(word, delta, nowMicros);
            if (cell.compareAndSet(word, next)) {
                return algorithm.peek(next, nowMicros);
            }
        }
    }

    @Override
    public Decision peek(String key, long nowMicros) {
        checkTime(nowMicros);
        Cell cell = cells.get(StoredKey.of(key));
        long word = cell == null ? DEAD : cell.word;
        return algorithm.peek(word == DEAD ? initialWord(nowMicros) : word, nowMicros);
    }

    @Override
    public long[] referenceState(Object stored) {
        Cell cell = cells.get(stored);
        long word = cell == null ? DEAD : cell.word;
        return word == DEAD ? null : algorithm.referenceState(word);
    }

    @Override
    public void reset(String key) {
        Object stored = StoredKey.of(key);
        Cell cell = cells.get(stored);
        if (cell != null) {
            if (cell.getAndSetDead() != DEAD) {
                budget.release(bytes(stored));
            }
            cells.remove(stored, cell);
        }
    }

    @Override
    public int mappedKeys() {
        return cells.size();
    }

    @Override
    public void sweep(long nowMicros) {
        if (nowMicros < 0 || nowMicros > algorithm.maxNowMicros) {
            return;
        }
        boolean marked = false;
        for (Map.Entry<Object, Cell> mapping : cells.entrySet()) {
            Cell cell = mapping.getValue();
            long word = cell.word;
            if (word == DEAD) {
                cells.remove(mapping.getKey(), cell);
            } else if (algorithm.full(word, nowMicros)) {
                if (!marked) {
                    // Before the first entry dies: a thread that finds it dead then finds the mark.
                    budget.raiseRemovalMark(nowMicros);
                    marked = true;
                }
                if (!cell.compareAndSet(word, DEAD)) {
                    continue;
                }
                budget.release(bytes(mapping.getKey()));
                cells.remove(mapping.getKey(), cell);
            }
        }
    }

    /**
     * Adds a cell holding {@code word} for a key that has none: reserves its room first (which may evict), then
     * publishes the cell. Returns false if another thread added the key meanwhile; the caller then starts over.
     */
    private boolean insert(Object stored, long word, long now) {
        long size = bytes(stored);
        budget.admit(size, now);
        if (cells.putIfAbsent(stored, new Cell(word)) != null) {
            budget.release(size);
            return false;
        }
        return true;
    }

    @Override
    public long evictOne(long nowMicros) {
        KeyBudget.Candidate<Cell> victim = KeyBudget.cheapest(cells, this::cost, nowMicros);
        if (victim == null) {
            return -1;
        }
        Cell cell = victim.value;
        long word = cell.word;
        if (word == DEAD || cost(word, nowMicros) > victim.cost || !cell.compareAndSet(word, DEAD)) {
            return -1;
        }
        cells.remove(victim.key, cell);
        return bytes(victim.key);
    }

    private static long bytes(Object stored) {
        return KeyBudget.ENTRY_BYTES + StoredKey.bytes(stored);
    }

    /**
     * The word of a key that has none: 0 (full allowance), unless the time is before the store's removal mark.
     * Then a key removed at the mark may have spent its allowance just before, and a fresh key starts from the
     * emptiest word that is back at full allowance by the mark; see {@link #emptiestFullBy}.
     */
    private long initialWord(long now) {
        long mark = budget.removalMark();
        if (now >= mark) {
            return 0;
        }
        FreshWord cached = freshWord;
        if (cached != null && cached.mark == mark) {
            return cached.word;
        }
        long word = emptiestFullBy(Math.min(mark, algorithm.maxNowMicros));
        freshWord = new FreshWord(mark, word);
        return word;
    }

    /**
     * The word with the whole capacity spent at the latest time {@code t} at which it is still back at full
     * allowance by {@code mark}: no state that is full at {@code mark} grants fewer permits before it. Found by
     * bisecting {@code t} in {@code [0, mark]} (fullness is monotonic in it); near the epoch, where no such
     * {@code t} exists, the word spent at time 0, which is more conservative still.
     */
    private long emptiestFullBy(long mark) {
        long capacity = algorithm.limit.capacity();
        if (!algorithm.full(algorithm.adjust(0, capacity, 0), mark)) {
            return algorithm.adjust(0, capacity, 0);
        }
        long full = 0;
        long notFull = mark; // spending at the mark itself is never full at the mark
        while (notFull - full > 1) {
            long mid = full + (notFull - full) / 2;
            if (algorithm.full(algorithm.adjust(0, capacity, mid), mark)) {
                full = mid;
            } else {
                notFull = mid;
            }
        }
        return algorithm.adjust(0, capacity, full);
    }

    private void checkTime(long nowMicros) {
        if (nowMicros < 0 || nowMicros > algorithm.maxNowMicros) {
            throw new StoreException("time " + nowMicros + "us is outside what the in-memory store keeps for "
                    + algorithm.limit + ": 0 to " + algorithm.maxNowMicros + "us after the epoch");
        }
    }

    private record FreshWord(long mark, long word) {
    }

    static final class Cell {
        private static final VarHandle WORD;

        static {
            try {
                WORD = MethodHandles.lookup().findVarHandle(Cell.class, "word", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The packed state; {@link #DEAD} once removed. */
        volatile long word;

        Cell(long word) {
            this.word = word;
        }

        boolean compareAndSet(long expected, long next) {
            return WORD.compareAndSet(this, expected, next);
        }

        long getAndSetDead() {
            return (long) WORD.getAndSet(this, DEAD);
        }
    }

    private long cost(Cell cell, long now) {
        long word = cell.word;
        return word == DEAD ? -1 : cost(word, now);
    }

    private long cost(long word, long now) {
        if (now < 0 || now > algorithm.maxNowMicros) {
            return Long.MAX_VALUE - 1;
        }
        if (algorithm.full(word, now)) {
            return 0;
        }
        Decision d = algorithm.peek(word, now);
        long capacity = algorithm.limit.capacity();
        return KeyBudget.cost(capacity - d.remaining(), capacity, d.resetAfterMicros());
    }
}
