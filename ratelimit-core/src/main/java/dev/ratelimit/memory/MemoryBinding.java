package dev.ratelimit.memory;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.internal.Check;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One limiter's keys in an {@link InMemoryStore}, for limiters that do not pack into one word: each key holds its
 * immutable reference state ({@code long[]}). A new key is created with its first decision applied, after it has
 * reserved its room in the store's {@link KeyBudget}; a state that grows or shrinks (a sliding log) updates the
 * store's byte estimate. Thread-safe and lock-free per key.
 *
 * <p>The bindings of one namespace and algorithm that run here share one map of keys (their lineage's), so the
 * reference transition reads each key's one state with the limits of whichever binding asks: the carry-over rule
 * of each algorithm. If the lineage began with a packed binding, that one is every later binding's
 * <em>predecessor</em>: a key the shared map does not hold starts from the predecessor's state for the key. The
 * predecessor keeps its copy until it expires there, so a limiter still running with the first limits is not
 * handed a fresh allowance either.
 */
final class MemoryBinding implements StoreBinding, SweptBinding {

    /** Marks an entry that was removed; a thread that sees it starts over with a fresh entry. */
    private static final long[] DEAD = new long[] {Long.MIN_VALUE};

    private final InMemoryStore store;
    private final KeyBudget budget;
    private final StateTransition transition;
    private final List<Limit> limits;
    private final ConcurrentHashMap<Object, Entry> entries;
    /** The packed binding that began this one's lineage (same namespace and algorithm, other limits), or null. */
    private final SweptBinding predecessor;
    /** The state a fresh key starts from at a time before the removal mark, for the last mark asked about. */
    private volatile FreshState freshState;

    /**
     * A binding whose keys are {@code entries}, shared with the other bindings of its lineage, which began with
     * {@code predecessor} if that is not null.
     */
    MemoryBinding(InMemoryStore store, StateTransition transition, List<Limit> limits,
            ConcurrentHashMap<Object, Entry> entries, SweptBinding predecessor) {
        this.store = store;
        this.entries = entries;
        this.predecessor = predecessor;
        this.budget = store.budget();
        this.transition = transition;
        this.limits = limits;
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        return update(key, permits, false, nowMicros);
    }

    @Override
    public Decision adjust(String key, long delta, long nowMicros) {
        Check.delta(delta);
        return update(key, delta, true, nowMicros);
    }

    /** The lock-free read, transition, compare-and-set loop; a denial (state unchanged) writes nothing. */
    private Decision update(String key, long amount, boolean adjust, long nowMicros) {
        store.maybeSweep(nowMicros);
        Object stored = StoredKey.of(key);
        for (;;) {
            Entry entry = entries.get(stored);
            if (entry == null) {
                long mark = budget.removalMark();
                if (nowMicros < mark && limits.size() > 1) {
                    return deniedUntil(mark, nowMicros);
                }
                long[] handed = nowMicros < mark ? null : handedOver(stored);
                long[] initial = nowMicros < mark ? emptiestState(mark) : handed;
                StateTransition.Result result = apply(initial, amount, adjust, nowMicros);
                long[] next = result.state();
                if (next == initial || adjust && next[0] <= nowMicros && initial == null
                        || insert(stored, next, nowMicros)) {
                    return result.decision();
                }
                continue;
            }
            long[] state = entry.state;
            if (state == DEAD) {
                entries.remove(stored, entry);
                continue;
            }
            StateTransition.Result result = apply(state, amount, adjust, nowMicros);
            long[] next = result.state();
            if (next == state) {
                return result.decision();
            }
            if (entry.compareAndSet(state, next)) {
                if (next.length != state.length) {
                    budget.resized(8L * (next.length - state.length), nowMicros);
                }
                return result.decision();
            }
        }
    }

    private StateTransition.Result apply(long[] state, long amount, boolean adjust, long now) {
        return adjust ? transition.adjust(state, limits, amount, now) : transition.apply(state, limits, amount, now);
    }

    @Override
    public Decision peek(String key, long nowMicros) {
        Entry entry = entries.get(StoredKey.of(key));
        long[] state = entry == null ? DEAD : entry.state;
        if (state == DEAD) {
            long mark = budget.removalMark();
            if (nowMicros < mark && limits.size() > 1) {
                return deniedUntil(mark, nowMicros);
            }
            state = nowMicros < mark ? emptiestState(mark) : handedOver(StoredKey.of(key));
        }
        return transition.apply(state, limits, 0, nowMicros).decision();
    }

    /** The predecessor's state for the key, or null: what a key this binding does not hold starts from. */
    private long[] handedOver(Object stored) {
        return predecessor == null ? null : predecessor.referenceState(stored);
    }

    @Override
    public long[] referenceState(Object stored) {
        Entry entry = entries.get(stored);
        long[] state = entry == null ? DEAD : entry.state;
        return state == DEAD ? handedOver(stored) : state;
    }

    @Override
    public void reset(String key) {
        if (predecessor != null) {
            predecessor.reset(key);
        }
        Object stored = StoredKey.of(key);
        Entry entry = entries.get(stored);
        if (entry != null) {
            long[] prior = entry.getAndSetDead();
            if (prior != DEAD) {
                budget.release(bytes(stored, prior));
            }
            entries.remove(stored, entry);
        }
    }

    @Override
    public int mappedKeys() {
        return entries.size();
    }

    @Override
    public void sweep(long nowMicros) {
        boolean marked = false;
        for (Map.Entry<Object, Entry> mapping : entries.entrySet()) {
            Entry entry = mapping.getValue();
            long[] state = entry.state;
            if (state == DEAD) {
                entries.remove(mapping.getKey(), entry);
            } else if (state[0] <= nowMicros) {
                if (!marked) {
                    // Before the first entry dies: a thread that finds it dead then finds the mark.
                    budget.raiseRemovalMark(nowMicros);
                    marked = true;
                }
                if (!entry.compareAndSet(state, DEAD)) {
                    continue;
                }
                budget.release(bytes(mapping.getKey(), state));
                entries.remove(mapping.getKey(), entry);
            }
        }
    }

    /** Adds an entry for a key that has none, room first; false if another thread added the key meanwhile. */
    private boolean insert(Object stored, long[] state, long now) {
        long size = bytes(stored, state);
        budget.admit(size, now);
        if (entries.putIfAbsent(stored, new Entry(state)) != null) {
            budget.release(size);
            return false;
        }
        return true;
    }

    @Override
    public long evictOne(long nowMicros) {
        KeyBudget.Candidate<Entry> victim = KeyBudget.cheapest(entries, this::cost, nowMicros);
        if (victim == null) {
            return -1;
        }
        Entry entry = victim.value;
        long[] state = entry.state;
        if (state == DEAD || cost(state, nowMicros) > victim.cost || !entry.compareAndSet(state, DEAD)) {
            return -1;
        }
        entries.remove(victim.key, entry);
        return bytes(victim.key, state);
    }

    private static long bytes(Object stored, long[] state) {
        return KeyBudget.ENTRY_BYTES + StoredKey.bytes(stored) + 16 + 8L * state.length;
    }

    /**
     * For several limits, a key that has no state at a time before the removal mark is denied until the mark: it
     * may have been removed there with every limit spent, and no single state is the emptiest for all of them.
     */
    private Decision deniedUntil(long mark, long now) {
        Limit longest = limits.get(0);
        for (Limit limit : limits) {
            if (limit.periodMicros() > longest.periodMicros()) {
                longest = limit;
            }
        }
        return Decision.denied(longest, 0, mark - now, mark - now);
    }

    /**
     * For one limit, the state with the whole capacity spent at the latest time at which it is back at full
     * allowance by {@code mark} (its stamp at most {@code mark}): the emptiest state a key removed at the mark can
     * have had. Bisected on the time of spending, since the stamp grows with it.
     */
    private long[] emptiestState(long mark) {
        FreshState cached = freshState;
        if (cached != null && cached.mark == mark) {
            return cached.state;
        }
        long capacity = limits.get(0).capacity();
        long[] state = transition.adjust(null, limits, capacity, 0).state();
        if (state[0] <= mark) {
            long full = 0;
            long notFull = mark; // spending at the mark itself is never full at the mark
            while (notFull - full > 1) {
                long mid = full + (notFull - full) / 2;
                if (transition.adjust(null, limits, capacity, mid).state()[0] <= mark) {
                    full = mid;
                } else {
                    notFull = mid;
                }
            }
            state = transition.adjust(null, limits, capacity, full).state();
        }
        freshState = new FreshState(mark, state);
        return state;
    }

    private long cost(Entry entry, long now) {
        long[] state = entry.state;
        return state == DEAD ? -1 : cost(state, now);
    }

    private long cost(long[] state, long now) {
        if (state[0] <= now) {
            return 0;
        }
        Decision d = transition.apply(state, limits, 0, now).decision();
        long capacity = d.limit().capacity();
        return KeyBudget.cost(capacity - d.remaining(), capacity, d.resetAfterMicros());
    }

    private record FreshState(long mark, long[] state) {
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

        /** {@link #DEAD} once removed. Never modified in place. */
        volatile long[] state;

        Entry(long[] state) {
            this.state = state;
        }

        boolean compareAndSet(long[] expected, long[] next) {
            return STATE.compareAndSet(this, expected, next);
        }

        long[] getAndSetDead() {
            return (long[]) STATE.getAndSet(this, DEAD);
        }
    }
}
