package dev.ratelimit.memory;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The embedded store: state in this JVM's heap, the default for a limiter built without a store.
 *
 * <h2>How it works</h2>
 * A limiter with one limit whose state fits in 64 bits (token bucket and fixed window up to about 10<sup>9</sup>
 * permits per second, sliding window up to about 10<sup>4</sup> per second or 10<sup>5</sup> per minute; see
 * {@code PackedAlgorithm}) keeps each key as
 * one {@code long} word in a small cell. A decision reads the word, computes the next word and publishes it with
 * one compare-and-set, retrying with the word another thread wrote if it lost the race. Nothing is allocated on
 * the allowed path but the returned {@link dev.ratelimit.Decision}; a denial writes nothing. The encodings are
 * exact for times from the epoch to at least the year 2112; a time outside that range fails with a
 * {@link StoreException}.
 *
 * <p>Other limiters (sliding log, several limits, very large limits) map each key to an entry holding the key's
 * immutable state ({@code long[]}, see {@link StateTransition}), run the reference transition and publish the
 * new state with the same compare-and-set loop; an allowed request then also allocates its new state array.
 * Either way there is no lock: a key's decisions are linearizable, and keys never contend with each other.
 *
 * <h2>Bounded memory</h2>
 * A key whose state is back at full allowance is worth nothing, so it is dropped. At most once per
 * {@linkplain Builder#sweepInterval sweep interval} of the limiters' time, the first decision past the interval
 * hands a sweep to the {@linkplain Builder#sweepExecutor executor}; the sweep walks the keys without a global
 * lock and removes each expired key by marking its entry dead with a compare-and-set, so a decision racing with
 * the sweep either sees the old state (and the sweep skips the key) or sees the mark and starts a fresh entry;
 * no update is lost. {@link Builder#maximumKeys(long)} caps the number of live keys: a decision that would add a
 * key beyond the cap fails with a {@link StoreException}, and the limiter's failure policy decides.
 *
 * <p>Thread-safe. One store may serve many limiters; each binding has its own keys.
 */
public final class InMemoryStore implements RateLimitStore {

    private final long maximumKeys;
    private final long sweepIntervalMicros;
    private final Executor sweepExecutor;
    private final List<SweptBinding> bindings = new CopyOnWriteArrayList<>();
    private final LongAdder keys = new LongAdder();
    private final AtomicLong nextSweepMicros = new AtomicLong(Long.MIN_VALUE);

    private InMemoryStore(Builder builder) {
        this.maximumKeys = builder.maximumKeys;
        this.sweepIntervalMicros = builder.sweepIntervalMicros;
        this.sweepExecutor = builder.sweepExecutor;
    }

    /** A store with no key cap, sweeping every minute on the common fork-join pool. */
    public static InMemoryStore create() {
        return builder().build();
    }

    /** A builder for a store with a key cap, another sweep interval or executor. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        Objects.requireNonNull(namespace, "namespace");
        StateTransition transition = StateTransition.of(algorithm);
        List<Limit> copy = List.copyOf(limits);
        transition.validate(copy);
        PackedAlgorithm packed = copy.size() == 1 ? PackedAlgorithm.of(algorithm, copy.get(0)) : null;
        if (packed != null) {
            PackedBinding binding = new PackedBinding(this, packed);
            bindings.add(binding);
            return binding;
        }
        MemoryBinding binding = new MemoryBinding(this, transition, copy);
        bindings.add(binding);
        return binding;
    }

    /** Live keys across all bindings, including expired keys not yet swept. */
    public long keyCount() {
        return keys.sum();
    }

    /**
     * Removes every key that is back at full allowance at {@code nowMicros}, on the calling thread. Sweeps also
     * run by themselves; call this to sweep at a moment of your choosing.
     */
    public void sweep(long nowMicros) {
        for (SweptBinding binding : bindings) {
            binding.sweep(nowMicros);
        }
    }

    /** Called on every decision; costs one volatile read unless a sweep is due. */
    void maybeSweep(long nowMicros) {
        long due = nextSweepMicros.get();
        if (nowMicros >= due && nextSweepMicros.compareAndSet(due, nowMicros + sweepIntervalMicros)) {
            sweepExecutor.execute(() -> sweep(nowMicros));
        }
    }

    void reserveKey() {
        if (keys.sum() >= maximumKeys) {
            throw new StoreException("in-memory store is full: it holds the maximum of " + maximumKeys
                    + " keys; idle keys are freed by the next sweep");
        }
        keys.increment();
    }

    void releaseKey() {
        keys.decrement();
    }

    @Override
    public String toString() {
        return "InMemoryStore{keys=" + keyCount() + ", maximumKeys="
                + (maximumKeys == Long.MAX_VALUE ? "unbounded" : maximumKeys) + '}';
    }

    /**
     * Builds an {@link InMemoryStore}. Each option may be set once; values are checked when set. Not thread-safe.
     */
    public static final class Builder {
        private long maximumKeys = Long.MAX_VALUE;
        private boolean maximumKeysSet;
        private long sweepIntervalMicros = 60_000_000L;
        private boolean sweepIntervalSet;
        private Executor sweepExecutor = ForkJoinPool.commonPool();
        private boolean sweepExecutorSet;

        private Builder() {
        }

        /**
         * The most keys the store holds at once; unbounded by default.
         *
         * @throws IllegalArgumentException if not positive
         * @throws IllegalStateException if already set
         */
        public Builder maximumKeys(long maximumKeys) {
            if (maximumKeysSet) {
                throw new IllegalStateException("maximumKeys was already set to " + this.maximumKeys);
            }
            if (maximumKeys < 1) {
                throw new IllegalArgumentException("maximumKeys must be positive but was " + maximumKeys);
            }
            this.maximumKeys = maximumKeys;
            this.maximumKeysSet = true;
            return this;
        }

        /**
         * How often, in the limiters' time, idle keys are swept; one minute by default.
         *
         * @throws IllegalArgumentException if null, or not at least one microsecond
         * @throws IllegalStateException if already set
         */
        public Builder sweepInterval(Duration interval) {
            if (sweepIntervalSet) {
                throw new IllegalStateException("sweepInterval was already set to " + sweepIntervalMicros + "us");
            }
            Objects.requireNonNull(interval, "interval");
            long micros = interval.isNegative() ? -1 : interval.toNanos() / 1_000;
            if (micros < 1) {
                throw new IllegalArgumentException("sweepInterval must be at least 1us but was " + interval);
            }
            this.sweepIntervalMicros = micros;
            this.sweepIntervalSet = true;
            return this;
        }

        /**
         * Where sweeps run; the common fork-join pool by default. {@code Runnable::run} sweeps on the thread whose
         * decision found a sweep due, which makes tests deterministic.
         *
         * @throws IllegalStateException if already set
         */
        public Builder sweepExecutor(Executor executor) {
            if (sweepExecutorSet) {
                throw new IllegalStateException("sweepExecutor was already set to " + sweepExecutor);
            }
            this.sweepExecutor = Objects.requireNonNull(executor, "executor");
            this.sweepExecutorSet = true;
            return this;
        }

        /** The store. */
        public InMemoryStore build() {
            return new InMemoryStore(this);
        }
    }
}
