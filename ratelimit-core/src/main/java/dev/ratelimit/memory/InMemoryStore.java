package dev.ratelimit.memory;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.internal.Check;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedded store: state in this JVM's heap, the default for a limiter built without a store.
 *
 * <h2>How it works</h2>
 * A limiter with one limit whose state fits in 64 bits (token bucket and fixed window up to about 10<sup>9</sup>
 * permits per second, sliding window up to about 10<sup>4</sup> per second or 10<sup>5</sup> per minute; see
 * {@code PackedAlgorithm}) keeps each key as
 * one {@code long} word in a small cell. A decision reads the word, computes the next word and publishes it with
 * one compare-and-set, retrying with the word another thread wrote if it lost the race. Nothing is allocated on
 * the allowed path of a known key but the returned {@link dev.ratelimit.Decision}; a denial writes nothing. The
 * encodings are exact for times from the epoch to at least the year 2112; a time outside that range fails with a
 * {@link StoreException}.
 *
 * <p>Other limiters (sliding log, several limits, very large limits) map each key to an entry holding the key's
 * immutable state ({@code long[]}, see {@link StateTransition}), run the reference transition and publish the
 * new state with the same compare-and-set loop; an allowed request then also allocates its new state array.
 * Either way there is no lock: a key's decisions are linearizable, and keys never contend with each other.
 *
 * <h2>Keys</h2>
 * A key of at most 64 characters is held as the caller's {@code String}. A longer key is held as the SHA-256
 * digest of its UTF-8 bytes (of its CESU-8 bytes if it holds a lone surrogate, which UTF-8 would turn into
 * {@code '?'}; so distinct keys are always distinct inputs): 48 bytes however long the key, and attacker-chosen
 * keys cannot collide without a SHA-256 collision. A digest never equals a verbatim key. Hashing costs a long
 * key about a microsecond or two per kilobyte on each decision (SHA-256 and the UTF-8 round trip); keys of 64
 * characters or fewer pay nothing.
 *
 * <h2>Bounded memory</h2>
 * The store holds at most {@linkplain Builder#maximumKeys maximumKeys} keys and at most
 * {@linkplain Builder#maximumBytes maximumBytes} of estimated heap, across all limiters bound to it. By default
 * that is {@value #DEFAULT_MAXIMUM_KEYS} keys and 64 MiB, or a quarter of the maximum heap if that is less (at
 * least 1 MiB). The derivation: a default store must not take more than a quarter of a small (256 MB) heap, which
 * leaves the application the rest; the key cap is that budget over 128 bytes, about the smallest entry, so for
 * every key longer than 8 characters the byte budget binds first. The estimate counts, per key, 72 bytes of entry
 * (map node, table share, cell; about 66 bytes measured for a packed limiter with compressed pointers), the key (a
 * {@code String} of n characters as {@code 40 + 2n} bytes rounded up to 8, a digest as 48) and, for unpacked
 * limiters, the state array ({@code 16 + 8 x length}, so a sliding log of a large limit weighs what it holds). So
 * by default a packed limiter holds about 466,000 keys of 14 characters (144 bytes each), or 524,288 long keys
 * (120 bytes each). Measured: a default store flooded with 10<sup>7</sup> distinct 7 KB keys in a 256 MB heap
 * settles at about 70 MB of heap after a full collection (the {@code KeyFlood} benchmark).
 *
 * <p><b>Full is not a failure</b>: a new key never fails for lack of room. A new key first reserves its place;
 * when that takes the store over a bound, the inserting thread evicts (up to 16 keys) until it is not. It picks
 * a limiter (at random, in proportion to its keys), samples 16 of its keys (from small random regions of its hash
 * table) and evicts the one whose forgetting costs least: first by the fraction of its allowance it has spent
 * (forgetting it grants that many permits again), then by the time until it is back at full allowance. While the
 * cheapest key of a sample has spent half its allowance or more, it draws another sample, up to 4. So a flood of
 * fresh keys, each of which has spent little, evicts itself, while keys that are being limited (spent or denied)
 * keep their state: such a key is evicted only when four samples found no key that spent less. The key cap holds
 * within one key per thread inserting at that moment, the byte budget within what those threads add; nothing
 * outside a limiter's map refers to its keys, so the decision path is as fast as without a bound. An eviction
 * never turns into "allow": it forgets what the evicted key had spent, which the choice above keeps as small as
 * the samples allow. When a state grows past the byte budget (a sliding log), the growing thread evicts the same
 * way.
 *
 * <p>A key whose state is back at full allowance is worth nothing, so it is also dropped by sweeping. At most once
 * per {@linkplain Builder#sweepInterval sweep interval} of the limiters' time, the first decision past the
 * interval hands a sweep to the {@linkplain Builder#sweepExecutor executor}; the sweep walks the keys without a
 * global lock and removes each expired key by marking its entry dead with a compare-and-set, so a decision racing
 * with the sweep either sees the old state (and the sweep skips the key) or sees the mark and starts a fresh entry;
 * no update is lost.
 *
 * <h2>Clocks that step back</h2>
 * The store remembers the latest time at which a sweep or an eviction removed a key. A key with no state at an
 * earlier time (the clock stepped back, or a racing thread read the clock a little earlier) does not start with
 * the full allowance, since it may have been removed with its allowance spent: for one limit it starts from the
 * emptiest state that is back at full allowance by that time (a token bucket full exactly then, a fixed window's
 * previous window spent, and so on); for several limits it is denied until that time. So a clock that steps back
 * after a sweep grants no permits the kept state would not have. The store assumes its limiters share one clock,
 * as sweeping does.
 *
 * <h2>Limits that change</h2>
 * Limiters built on this store with one namespace and algorithm share their keys' consumption whatever their
 * limits, as on a remote store: each key has one state, which every limiter reads with its own limits by the
 * algorithm's carry-over rule (see {@link dev.ratelimit.RateLimiter}), so a limiter rebuilt with changed limits
 * never hands out a fresh allowance. The one exception is the first limiter of a namespace and algorithm when its
 * keys are packed words (above): a later limiter takes each key over from it the first time it sees the key,
 * starting from its state; the first limiter keeps its copy until it expires, so a request still in flight on it
 * is not handed a fresh allowance either, but it does not see what the later limiters spend.
 * {@linkplain dev.ratelimit.RateLimiter#reset Resetting} a key through a later limiter resets it on the first one
 * too. Every limiter after the first of its namespace and algorithm keeps its keys as state arrays (as for
 * several limits), not packed words, and so allocates its new state array on an allowed request.
 *
 * <p>Thread-safe. One store may serve many limiters; each binding has its own keys, and they share the bounds.
 */
public final class InMemoryStore implements RateLimitStore {

    /** The default key cap, 2<sup>19</sup>: the default byte budget over 128 bytes, about the smallest entry. */
    public static final long DEFAULT_MAXIMUM_KEYS = 524_288;

    /** The default byte budget, when a quarter of the maximum heap is not smaller. */
    public static final long DEFAULT_MAXIMUM_BYTES = 64L << 20;

    /** The largest key cap. */
    public static final long MAX_KEYS = 1L << 30;

    /** The smallest byte budget. */
    public static final long MIN_BYTES = 1L << 20;

    private final long maximumKeys;
    private final long maximumBytes;
    private final long sweepIntervalMicros;
    private final Executor sweepExecutor;
    private final KeyBudget budget;
    private final List<SweptBinding> bindings = new CopyOnWriteArrayList<>();
    /** What the bindings of each namespace and algorithm share (see "Limits that change" above). */
    private final ConcurrentHashMap<LineageKey, Lineage> lineages = new ConcurrentHashMap<>();
    private final AtomicLong nextSweepMicros = new AtomicLong(Long.MIN_VALUE);

    private InMemoryStore(Builder builder) {
        this.maximumKeys = builder.maximumKeys;
        this.maximumBytes = builder.maximumBytesSet ? builder.maximumBytes : defaultMaximumBytes();
        this.sweepIntervalMicros = builder.sweepIntervalMicros;
        this.sweepExecutor = builder.sweepExecutor;
        this.budget = new KeyBudget(maximumKeys, maximumBytes, bindings);
    }

    /** 64 MiB, or a quarter of the maximum heap if that is less, but at least {@link #MIN_BYTES}. */
    static long defaultMaximumBytes() {
        return Math.max(MIN_BYTES, Math.min(DEFAULT_MAXIMUM_BYTES, Runtime.getRuntime().maxMemory() / 4));
    }

    /**
     * A store with the default bounds ({@value #DEFAULT_MAXIMUM_KEYS} keys, 64 MiB or a quarter of the heap),
     * sweeping every minute on the common fork-join pool.
     *
     * @return a new, empty store
     */
    public static InMemoryStore create() {
        return builder().build();
    }

    /**
     * A builder for a store with other bounds, another sweep interval or executor.
     *
     * @return a new builder with every option at its default
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        Objects.requireNonNull(namespace, "namespace");
        StateTransition transition = StateTransition.of(Objects.requireNonNull(algorithm, "algorithm"));
        List<Limit> copy = List.copyOf(Objects.requireNonNull(limits, "limits"));
        transition.validate(copy);
        StoreBinding[] made = new StoreBinding[1];
        lineages.compute(new LineageKey(namespace, algorithm), (key, lineage) -> {
            PackedAlgorithm packed = copy.size() == 1 && lineage == null
                    ? PackedAlgorithm.of(algorithm, copy.get(0)) : null;
            Lineage next = lineage != null ? lineage
                    : new Lineage(new ConcurrentHashMap<>(), new PackedBinding[1]);
            SweptBinding binding;
            if (packed != null) {
                PackedBinding first = new PackedBinding(this, packed);
                next.packedFirst()[0] = first;
                binding = first;
            } else {
                binding = new MemoryBinding(this, transition, copy, next.entries(), next.packedFirst()[0]);
            }
            bindings.add(binding);
            made[0] = (StoreBinding) binding;
            return next;
        });
        return made[0];
    }

    /** The bindings that share their keys' state: one namespace and algorithm. */
    private record LineageKey(String namespace, Algorithm algorithm) {
    }

    /** A lineage's shared map of unpacked keys, and its first binding if that was packed (else null). */
    private record Lineage(ConcurrentHashMap<Object, MemoryBinding.Entry> entries, PackedBinding[] packedFirst) {
    }

    /**
     * Live keys across all bindings, including expired keys not yet swept.
     *
     * @return the number of keys held now; never more than the key cap (within one key per inserting thread)
     */
    public long keyCount() {
        return budget.keys();
    }

    /**
     * The estimated heap bytes the keys hold (see the class comment for what is counted).
     *
     * @return the estimate in bytes
     */
    public long estimatedBytes() {
        return budget.bytes();
    }

    /**
     * Keys evicted so far to stay within the bounds (sweeps and resets are not evictions).
     *
     * @return the number of evictions since the store was built
     */
    public long evictionCount() {
        return budget.evictions();
    }

    /**
     * Removes every key that is back at full allowance at {@code nowMicros}, on the calling thread. Sweeps also
     * run by themselves; call this to sweep at a moment of your choosing.
     *
     * @param nowMicros the limiters' current time, in microseconds since the epoch
     */
    public void sweep(long nowMicros) {
        for (SweptBinding binding : bindings) {
            binding.sweep(nowMicros);
        }
    }

    /** Called on every decision; costs one volatile read unless a sweep is due. */
    void maybeSweep(long nowMicros) {
        long due = nextSweepMicros.get();
        if (nowMicros >= due && nextSweepMicros.compareAndSet(due, nextSweepAfter(nowMicros))) {
            sweepExecutor.execute(() -> sweep(nowMicros));
        }
    }

    /** {@code nowMicros} plus the sweep interval, saturating: an interval of centuries means no further sweep. */
    private long nextSweepAfter(long nowMicros) {
        long next = nowMicros + sweepIntervalMicros;
        return next < nowMicros ? Long.MAX_VALUE : next;
    }

    KeyBudget budget() {
        return budget;
    }

    @Override
    public String toString() {
        return "InMemoryStore{keys=" + keyCount() + ", maximumKeys=" + maximumKeys + ", estimatedBytes="
                + estimatedBytes() + ", maximumBytes=" + maximumBytes + ", evictions=" + evictionCount() + '}';
    }

    /**
     * Builds an {@link InMemoryStore}. Values are checked when set; setting an option again replaces the earlier
     * value (the last call wins). A null argument throws {@link NullPointerException} naming the parameter, a bad
     * value {@link IllegalArgumentException} naming the value. Not thread-safe: configure it on one thread.
     */
    public static final class Builder {
        private long maximumKeys = DEFAULT_MAXIMUM_KEYS;
        private long maximumBytes;
        private boolean maximumBytesSet;
        private long sweepIntervalMicros = 60_000_000L;
        private Executor sweepExecutor = ForkJoinPool.commonPool();

        private Builder() {
        }

        /**
         * The most keys the store holds at once, across its limiters; {@value #DEFAULT_MAXIMUM_KEYS} by default. At
         * the cap a new key evicts the key that loses least by being forgotten (see the class comment). The
         * default byte budget binds before a larger cap unless {@link #maximumBytes} is raised too.
         *
         * @param maximumKeys the key cap, 1 to {@link #MAX_KEYS}
         * @return this builder
         * @throws IllegalArgumentException if not between 1 and {@link #MAX_KEYS}
         */
        public Builder maximumKeys(long maximumKeys) {
            this.maximumKeys = Check.between("maximumKeys", maximumKeys, 1, MAX_KEYS);
            return this;
        }

        /**
         * The most estimated heap bytes the store's keys hold, across its limiters (see the class comment for the
         * estimate); 64 MiB by default, or a quarter of the maximum heap if that is less. Above it, the thread that
         * added bytes evicts the keys that lose least. Pass {@code Long.MAX_VALUE} to bound by keys alone.
         *
         * @param maximumBytes the byte budget, at least {@link #MIN_BYTES} (1 MiB)
         * @return this builder
         * @throws IllegalArgumentException if less than {@link #MIN_BYTES} (1 MiB)
         */
        public Builder maximumBytes(long maximumBytes) {
            this.maximumBytes = Check.atLeast("maximumBytes", maximumBytes, MIN_BYTES);
            this.maximumBytesSet = true;
            return this;
        }

        /**
         * How often, in the limiters' time, idle keys are swept; one minute by default.
         *
         * @param interval the time between sweeps, at least one microsecond (a sub-microsecond part is dropped)
         * @return this builder
         * @throws NullPointerException if interval is null
         * @throws IllegalArgumentException if interval is not at least one microsecond
         */
        public Builder sweepInterval(Duration interval) {
            this.sweepIntervalMicros = Check.atLeastOneMicro("sweepInterval", interval);
            return this;
        }

        /**
         * Where sweeps run; the common fork-join pool by default. {@code Runnable::run} sweeps on the thread whose
         * decision found a sweep due, which makes tests deterministic.
         *
         * @param executor runs each sweep; the store never shuts it down
         * @return this builder
         * @throws NullPointerException if executor is null
         */
        public Builder sweepExecutor(Executor executor) {
            this.sweepExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The store.
         *
         * @return a new, empty store with the options set so far
         */
        public InMemoryStore build() {
            return new InMemoryStore(this);
        }
    }
}
