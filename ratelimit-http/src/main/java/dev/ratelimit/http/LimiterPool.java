package dev.ratelimit.http;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TimeSource;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes the engine's limiters and keeps them across configuration changes: a limiter whose namespace, algorithm,
 * limits, failure policy and local deny cache size are unchanged is reused (and with it its local deny cache). A
 * limiter whose limits changed is new but keeps the namespace, so each key's consumption carries over by the rule of
 * {@link dev.ratelimit.Algorithm}. {@link #retain} drops the ones a new
 * configuration no longer uses. Thread-safe: callers hold the engine's update lock while building.
 */
final class LimiterPool {

    /** What makes two limiters interchangeable. */
    private record Spec(String prefix, Algorithm algorithm, List<Limit> limits, FailurePolicy failurePolicy,
            int localDenyCache, boolean localFallback) {
    }

    private final RateLimitStore store;
    private final TimeSource timeSource;
    private final RateLimitListener listener;
    private final Map<Spec, RateLimiter> limiters = new HashMap<>();
    /** The local fallback of each limiter that has one, by identity. */
    private final Map<RateLimiter, RateLimiter> fallbacks = new IdentityHashMap<>();
    /** Where the local fallback limiters keep their state; made on first use. */
    private InMemoryStore fallbackStore;

    LimiterPool(RateLimitStore store, TimeSource timeSource, RateLimitListener listener) {
        this.store = store;
        this.timeSource = timeSource;
        this.listener = listener;
    }

    /**
     * The limiter for this spec: the existing one if there is one, else a new one on the engine's store. With
     * {@code localFallback}, the failure policy is ignored: while the store fails, the same limits are enforced by
     * a limiter on an in-memory store in this JVM (per instance, so a cluster of N instances admits up to N times
     * the limit during an outage).
     */
    synchronized RateLimiter limiter(String prefix, Algorithm algorithm, List<Limit> limits,
            FailurePolicy failurePolicy, int localDenyCache, boolean localFallback) {
        Spec spec = new Spec(prefix, algorithm, List.copyOf(limits), localFallback ? null : failurePolicy,
                localDenyCache, localFallback);
        return limiters.computeIfAbsent(spec, s -> {
            FailurePolicy onFailure = failurePolicy;
            RateLimiter fallback = null;
            if (localFallback) {
                if (fallbackStore == null) {
                    fallbackStore = InMemoryStore.create();
                }
                RateLimiter.Builder local = RateLimiter.builder()
                        .namespace(prefix)
                        .name(prefix + ":local")
                        .algorithm(algorithm)
                        .limits(limits)
                        .store(fallbackStore)
                        .timeSource(timeSource);
                if (listener != null) {
                    local.listener(listener);
                }
                fallback = local.build();
                onFailure = FailurePolicy.fallbackTo(fallback);
            }
            RateLimiter.Builder builder = RateLimiter.builder()
                    .namespace(prefix)
                    .name(prefix)
                    .algorithm(algorithm)
                    .limits(limits)
                    .store(store)
                    .timeSource(timeSource)
                    .failurePolicy(onFailure);
            if (listener != null) {
                builder.listener(listener);
            }
            if (localDenyCache > 0) {
                builder.localDenyCache(localDenyCache);
            }
            RateLimiter limiter = builder.build();
            if (fallback != null) {
                fallbacks.put(limiter, fallback);
            }
            return limiter;
        });
    }

    /** The local fallback of {@code limiter}, or null if it has none. */
    synchronized RateLimiter fallbackOf(RateLimiter limiter) {
        return fallbacks.get(limiter);
    }

    /**
     * Forgets every limiter not in {@code inUse}, and tells the listener of each name no limiter in use has any more
     * ({@link RateLimitListener#onLimiterRemoved}), so that, for example, its meters go too. A limiter replaced
     * because its limits changed keeps its name, so its name is not reported.
     */
    synchronized void retain(Collection<RateLimiter> inUse) {
        Set<RateLimiter> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        keep.addAll(inUse);
        Set<String> keptNames = new HashSet<>();
        Set<String> removedNames = new TreeSet<>();
        for (RateLimiter limiter : limiters.values()) {
            Set<String> names = keep.contains(limiter) ? keptNames : removedNames;
            names.add(limiter.name());
            RateLimiter fallback = fallbacks.get(limiter);
            if (fallback != null) {
                names.add(fallback.name());
            }
        }
        removedNames.removeAll(keptNames);
        limiters.values().removeIf(limiter -> !keep.contains(limiter));
        fallbacks.keySet().removeIf(limiter -> !keep.contains(limiter));
        if (listener != null) {
            for (String name : removedNames) {
                listener.onLimiterRemoved(name);
            }
        }
    }
}
