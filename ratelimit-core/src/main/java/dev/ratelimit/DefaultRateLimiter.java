package dev.ratelimit;

import dev.ratelimit.internal.Check;
import dev.ratelimit.internal.ThrottledLog;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link RateLimiter} the builder makes. Thread-safe; holds no mutable state of its own. */
final class DefaultRateLimiter implements RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);

    /** Store failures are logged at most once per 10 seconds per limiter (see {@link FailurePolicy}). */
    private static final Limit FAILURE_LOG_RATE = Limit.of(1, Duration.ofSeconds(10));

    private final String name;
    private final List<Limit> limits;
    private final Algorithm algorithm;
    private final StoreBinding binding;
    private final TimeSource time;
    private final FailurePolicy failurePolicy;
    private final RateLimitListener listener;
    private final long timeoutNanos;
    private final Limit smallestCapacity;
    private final long largestCapacity;
    private final ThrottledLog failureLog;
    private final boolean measuresLatency;
    private final DenyCache denyCache;

    DefaultRateLimiter(Builder b) {
        this.limits = List.copyOf(b.limits);
        this.algorithm = b.algorithm;
        if (algorithm != Algorithm.TOKEN_BUCKET) {
            for (Limit limit : limits) {
                if (limit.hasBurst()) {
                    throw new IllegalArgumentException("limit " + limit + " has a burst, which only TOKEN_BUCKET"
                            + " uses, but the algorithm is " + algorithm);
                }
            }
        }
        StateTransition.of(algorithm).validate(limits);
        this.name = b.name != null ? b.name : b.namespace;
        RateLimitStore store = b.store != null ? b.store : InMemoryStore.create();
        this.binding = store.bind(b.namespace, algorithm, limits);
        this.time = b.timeSource;
        this.failurePolicy = b.failurePolicy;
        this.listener = b.listener;
        this.timeoutNanos = Check.saturatedNanos(b.timeout);
        Limit smallest = limits.get(0);
        for (Limit limit : limits) {
            if (limit.capacity() < smallest.capacity()) {
                smallest = limit;
            }
        }
        this.smallestCapacity = smallest;
        long largest = 1;
        for (Limit limit : limits) {
            largest = Math.max(largest, limit.capacity());
        }
        this.largestCapacity = largest;
        this.failureLog = new ThrottledLog(LOG, FAILURE_LOG_RATE, time);
        this.measuresLatency = listener != null && listener.measuresStoreLatency();
        this.denyCache = b.denyCacheKeys > 0 ? new DenyCache(b.denyCacheKeys) : null;
    }

    @Override
    public Decision tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    @Override
    public Decision tryAcquire(String key, long permits) {
        Check.key(key);
        Check.permits(permits);
        if (permits > smallestCapacity.capacity()) {
            return report(key, permits, Decision.exceedsCapacity(smallestCapacity, 0, 0));
        }
        long now = time.nowMicros();
        long version = 0;
        if (denyCache != null) {
            version = denyCache.version(key);
            Decision cached = denyCache.lookup(key, permits, now);
            if (cached != null) {
                return report(key, permits, cached);
            }
        }
        long started = measuresLatency ? System.nanoTime() : 0;
        Decision decision;
        try {
            decision = binding.tryAcquire(key, permits, now);
        } catch (RuntimeException e) {
            if (measuresLatency) {
                listener.onStoreLatency(name, System.nanoTime() - started);
            }
            if (denyCache != null) {
                denyCache.changed(key);
            }
            return onFailure(key, permits, e);
        }
        if (measuresLatency) {
            listener.onStoreLatency(name, System.nanoTime() - started);
        }
        if (denyCache != null) {
            denyCache.afterStore(key, permits, now, version, decision);
        }
        return report(key, permits, decision);
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key) {
        return tryAcquireAsync(key, 1);
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
        Check.key(key);
        Check.permits(permits);
        if (permits > smallestCapacity.capacity()) {
            return CompletableFuture.completedFuture(
                    report(key, permits, Decision.exceedsCapacity(smallestCapacity, 0, 0)));
        }
        long now = time.nowMicros();
        long version = denyCache != null ? denyCache.version(key) : 0;
        if (denyCache != null) {
            Decision cached = denyCache.lookup(key, permits, now);
            if (cached != null) {
                return CompletableFuture.completedFuture(report(key, permits, cached));
            }
        }
        long started = measuresLatency ? System.nanoTime() : 0;
        CompletionStage<Decision> stage;
        try {
            stage = binding.tryAcquireAsync(key, permits, now);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(onFailure(key, permits, e));
        }
        CompletableFuture<Decision> future = stage.toCompletableFuture();
        if (!future.isDone()) {
            future = future.copy().orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        return future.handle((decision, error) -> {
            if (measuresLatency) {
                listener.onStoreLatency(name, System.nanoTime() - started);
            }
            if (error != null) {
                if (denyCache != null) {
                    denyCache.changed(key);
                }
                return onFailure(key, permits, unwrap(error));
            }
            if (denyCache != null) {
                denyCache.afterStore(key, permits, now, version, decision);
            }
            return report(key, permits, decision);
        });
    }

    @Override
    public Decision acquire(String key, long permits, Duration maxWait) throws InterruptedException {
        Check.key(key);
        Check.permits(permits);
        long budget = Check.saturatedMicros(Check.notNegative("maxWait", maxWait));
        long deadline = saturatedAdd(time.nowMicros(), budget);
        for (;;) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Decision decision = tryAcquire(key, permits);
            if (decision.allowed() || decision.reason() != Decision.Reason.LIMIT_EXCEEDED) {
                return decision;
            }
            long wait = decision.retryAfterMicros();
            if (saturatedAdd(time.nowMicros(), wait) > deadline) {
                return decision;
            }
            time.sleepMicros(wait);
        }
    }

    @Override
    public Decision peek(String key) {
        Check.key(key);
        return binding.peek(key, time.nowMicros());
    }

    @Override
    public Decision refund(String key, long permits) {
        Check.key(key);
        Check.permits(permits);
        try {
            return binding.adjust(key, -Math.min(permits, largestCapacity), time.nowMicros());
        } finally {
            if (denyCache != null) {
                denyCache.changed(key);
            }
        }
    }

    @Override
    public Decision penalize(String key, long permits) {
        Check.key(key);
        Check.permits(permits);
        try {
            return binding.adjust(key, Math.min(permits, largestCapacity), time.nowMicros());
        } finally {
            if (denyCache != null) {
                // A cached denial's wait was computed before the penalty; the store's is longer now.
                denyCache.changed(key);
            }
        }
    }

    @Override
    public void reset(String key) {
        Check.key(key);
        try {
            binding.reset(key);
        } finally {
            if (denyCache != null) {
                denyCache.changed(key);
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Limit> limits() {
        return limits;
    }

    @Override
    public Algorithm algorithm() {
        return algorithm;
    }

    @Override
    public String toString() {
        return "RateLimiter{name=" + name + ", algorithm=" + algorithm + ", limits=" + limits + '}';
    }

    private Decision report(String key, long permits, Decision decision) {
        if (listener != null) {
            try {
                if (decision.allowed()) {
                    listener.onAllowed(name, key, permits, decision);
                } else {
                    listener.onDenied(name, key, permits, decision);
                }
            } catch (RuntimeException e) {
                LOG.warn("Rate limiter {}: listener {} threw", name, listener, e);
            }
        }
        return decision;
    }

    private Decision onFailure(String key, long permits, Throwable error) {
        Decision decision = switch (failurePolicy.kind) {
            case ALLOW -> Decision.storeUnavailable(true, smallestCapacity,
                    smallestCapacity.capacity() - permits, 0);
            case DENY -> Decision.storeUnavailable(false, smallestCapacity, 0, failurePolicy.retryAfterMicros);
            case FALLBACK -> failurePolicy.fallback.tryAcquire(key, permits);
        };
        if (LOG.isWarnEnabled()) {
            failureLog.warn("Rate limiter " + name + ": store failed; " + failurePolicy + " decided", error);
        }
        if (listener != null) {
            try {
                listener.onStoreError(name, key, error, decision);
            } catch (RuntimeException e) {
                LOG.warn("Rate limiter {}: listener {} threw", name, listener, e);
            }
        }
        return failurePolicy.kind == FailurePolicy.Kind.FALLBACK ? decision : report(key, permits, decision);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
