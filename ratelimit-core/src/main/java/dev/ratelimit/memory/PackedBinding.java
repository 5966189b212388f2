package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One single-limit limiter's keys in an {@link InMemoryStore} when its state packs into one {@code long}
 * ({@link PackedAlgorithm}): each key is a {@link Cell} with one word, updated by one compare-and-set. The allowed
 * path allocates only the returned {@link Decision}; a denial writes nothing. Thread-safe and lock-free per key.
 */
final class PackedBinding implements StoreBinding, SweptBinding {

    /** Marks a removed cell; words are never negative. A thread that sees it starts over with a fresh cell. */
    private static final long DEAD = Long.MIN_VALUE;

    private final InMemoryStore store;
    private final PackedAlgorithm algorithm;
    private final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();

    PackedBinding(InMemoryStore store, PackedAlgorithm algorithm) {
        this.store = store;
        this.algorithm = algorithm;
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        checkTime(nowMicros);
        store.maybeSweep(nowMicros);
        for (;;) {
            Cell cell = cells.get(key);
            if (cell == null) {
                cell = insert(key);
            }
            long word = cell.word;
            if (word == DEAD) {
                remove(key, cell);
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
        if (delta == 0 || delta > Limit.MAX_PERMITS || delta < -Limit.MAX_PERMITS) {
            throw new IllegalArgumentException(
                    "delta must be non-zero and at most " + Limit.MAX_PERMITS + " in magnitude but was " + delta);
        }
        checkTime(nowMicros);
        store.maybeSweep(nowMicros);
        for (;;) {
            Cell cell = cells.get(key);
            if (cell == null) {
                cell = insert(key);
            }
            long word = cell.word;
            if (word == DEAD) {
                remove(key, cell);
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
        Cell cell = cells.get(key);
        long word = cell == null ? 0 : cell.word;
        return algorithm.peek(word == DEAD ? 0 : word, nowMicros);
    }

    @Override
    public void reset(String key) {
        Cell cell = cells.get(key);
        if (cell != null) {
            cell.word = DEAD;
            remove(key, cell);
        }
    }

    @Override
    public void sweep(long nowMicros) {
        if (nowMicros < 0 || nowMicros > algorithm.maxNowMicros) {
            return;
        }
        for (Map.Entry<String, Cell> mapping : cells.entrySet()) {
            Cell cell = mapping.getValue();
            long word = cell.word;
            if (word != DEAD && algorithm.full(word, nowMicros) && cell.compareAndSet(word, DEAD)) {
                remove(mapping.getKey(), cell);
            }
        }
    }

    private void checkTime(long nowMicros) {
        if (nowMicros < 0 || nowMicros > algorithm.maxNowMicros) {
            throw new StoreException("time " + nowMicros + "us is outside what the in-memory store keeps for "
                    + algorithm.limit + ": 0 to " + algorithm.maxNowMicros + "us after the epoch");
        }
    }

    private Cell insert(String key) {
        return cells.computeIfAbsent(key, k -> {
            store.reserveKey();
            return new Cell();
        });
    }

    private void remove(String key, Cell cell) {
        if (cells.remove(key, cell)) {
            store.releaseKey();
        }
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

        /** The packed state; 0 for a new key, {@link #DEAD} once removed. */
        volatile long word;

        boolean compareAndSet(long expected, long next) {
            return WORD.compareAndSet(this, expected, next);
        }
    }
}
