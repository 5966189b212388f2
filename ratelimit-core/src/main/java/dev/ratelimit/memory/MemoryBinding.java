package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One limiter's keys in an {@link InMemoryStore}. Thread-safe and lock-free per key. */
final class MemoryBinding implements StoreBinding, SweptBinding {

    /** Marks an entry that was removed; a thread that sees it starts over with a fresh entry. */
    private static final long[] DEAD = new long[] {Long.MIN_VALUE};

    private final InMemoryStore store;
    private final StateTransition transition;
    private final List<Limit> limits;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    MemoryBinding(InMemoryStore store, StateTransition transition, List<Limit> limits) {
        this.store = store;
        this.transition = transition;
        this.limits = limits;
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        return update(key, permits, false, nowMicros);
    }

    @Override
    public Decision adjust(String key, long delta, long nowMicros) {
        return update(key, delta, true, nowMicros);
    }

    /** The lock-free read, transition, compare-and-set loop; a denial (state unchanged) writes nothing. */
    private Decision update(String key, long amount, boolean adjust, long nowMicros) {
        store.maybeSweep(nowMicros);
        for (;;) {
            Entry entry = entries.get(key);
            if (entry == null) {
                entry = insert(key);
            }
            long[] state = entry.state;
            if (state == DEAD) {
                remove(key, entry);
                continue;
            }
            StateTransition.Result result = adjust
                    ? transition.adjust(state, limits, amount, nowMicros)
                    : transition.apply(state, limits, amount, nowMicros);
            if (result.state() == state || entry.compareAndSet(state, result.state())) {
                return result.decision();
            }
        }
    }

    @Override
    public Decision peek(String key, long nowMicros) {
        Entry entry = entries.get(key);
        long[] state = entry == null || entry.state == DEAD ? null : entry.state;
        return transition.apply(state, limits, 0, nowMicros).decision();
    }

    @Override
    public void reset(String key) {
        Entry entry = entries.get(key);
        if (entry != null) {
            entry.state = DEAD;
            remove(key, entry);
        }
    }

    @Override
    public void sweep(long nowMicros) {
        for (Map.Entry<String, Entry> mapping : entries.entrySet()) {
            Entry entry = mapping.getValue();
            long[] state = entry.state;
            if (state != DEAD && (state == null || state[0] <= nowMicros) && entry.compareAndSet(state, DEAD)) {
                remove(mapping.getKey(), entry);
            }
        }
    }

    private Entry insert(String key) {
        return entries.computeIfAbsent(key, k -> {
            store.reserveKey();
            return new Entry();
        });
    }

    private void remove(String key, Entry entry) {
        if (entries.remove(key, entry)) {
            store.releaseKey();
        }
    }

    static final class Entry {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", long[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Null until the first decision writes; {@link #DEAD} once removed. Never modified in place. */
        volatile long[] state;

        boolean compareAndSet(long[] expected, long[] next) {
            return STATE.compareAndSet(this, expected, next);
        }
    }
}
