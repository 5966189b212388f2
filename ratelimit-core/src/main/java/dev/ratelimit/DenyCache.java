package dev.ratelimit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Remembers, for at most {@code maximumKeys} keys, that a key was denied until a time, so the limiter can deny it
 * again without asking the store. See {@link RateLimiter.Builder#localDenyCache(int)}. Thread-safe.
 *
 * <p>It only ever denies, and only while the store would deny too: a request for as many permits as the one the
 * store denied, before the store's {@code retryAfter}, gets the same denial with the wait counted down. (A larger
 * request would be denied too, but its exact wait is longer and only the store knows it, so it is passed on.)
 * The retry time is computed from the limiter's time read before the store call, so it never runs later than the
 * store's own. Per key, the denial of the smallest request is kept.
 *
 * <p>A cached wait is never shorter than the store's answer would be, because the entry is dropped by everything
 * that makes the store's wait longer or shorter through this limiter: an allowed request (it spent permits), a
 * penalty, a refund and a reset. Denials change no state, so the store's retry time for the cached request stays
 * the same instant until one of those happens. Concurrent calls on one key are ordered by a version per stripe of
 * keys: a denial is remembered only if no state-changing call on a key of its stripe completed while it was in
 * flight, and an entry that such a call races with is removed by it, so a denial computed before a spend is never
 * served after it. What this limiter cannot see (another instance spending on the same key) can make a cached
 * wait shorter than the store's by what was spent meanwhile; the store is asked again at the cached retry time,
 * so nothing is ever admitted beyond the limits.
 */
final class DenyCache {

    private static final int STRIPES = 256;
    /** Longs between two stripes' versions, so that they do not share a cache line. */
    private static final int PAD = 8;

    private final int maximumKeys;
    private final ConcurrentHashMap<String, Denial> denials = new ConcurrentHashMap<>();
    private final AtomicLong nextPurgeMicros = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLongArray versions = new AtomicLongArray(STRIPES * PAD);

    DenyCache(int maximumKeys) {
        this.maximumKeys = maximumKeys;
    }

    /** The cached denial for this request, or null if the store must decide. */
    Decision lookup(String key, long permits, long nowMicros) {
        Denial denial = denials.get(key);
        if (denial == null) {
            return null;
        }
        if (nowMicros >= denial.retryAtMicros) {
            denials.remove(key, denial);
            return null;
        }
        if (permits != denial.permits) {
            return null;
        }
        Decision d = denial.decision;
        // Both waits end at fixed instants while the key's state is unchanged; a clock that stepped back sees them
        // further away, as the store would.
        long elapsed = nowMicros - denial.atMicros;
        return Decision.denied(d.limit(), d.remaining(), Math.max(0, d.resetAfterMicros() - elapsed),
                denial.retryAtMicros - nowMicros);
    }

    /**
     * Updates the cache with the store's decision for a request made at {@code nowMicros}: a denial by the limits is
     * remembered; an allowed request spent permits, so any cached denial of the key (made before the spend, with a
     * wait that is now too short) is dropped. The allowed path only reads the map unless the key has an entry.
     */
    void afterStore(String key, long permits, long nowMicros, long versionBefore, Decision decision) {
        if (decision.allowed()) {
            changed(key);
        } else {
            remember(key, permits, nowMicros, versionBefore, decision);
        }
    }

    /** The version of the key's stripe; read before a store call and passed to {@link #afterStore}. */
    long version(String key) {
        return versions.get(slot(key));
    }

    /**
     * Called after every call that may have changed the key's state in the store (an allowed request, a penalty,
     * a refund, a reset, or one of these that failed and may still have been applied): drops the key's entry and
     * makes denials in flight for keys of its stripe not be remembered.
     */
    void changed(String key) {
        versions.incrementAndGet(slot(key));
        if (denials.get(key) != null) {
            denials.remove(key);
        }
    }

    /** Remembers a denial by the limits, unless the key's state may have changed since it was computed. */
    private void remember(String key, long permits, long nowMicros, long versionBefore, Decision decision) {
        if (decision.reason() != Decision.Reason.LIMIT_EXCEEDED || version(key) != versionBefore) {
            return;
        }
        if (denials.size() >= maximumKeys && !purge(nowMicros)) {
            return;
        }
        Denial fresh = new Denial(nowMicros, nowMicros + decision.retryAfterMicros(), permits, decision);
        denials.merge(key, fresh, (old, young) ->
                old.retryAtMicros > nowMicros && old.permits < young.permits ? old : young);
        if (version(key) != versionBefore) {
            // A change completed while this was being stored; it may have missed the entry, so drop it here.
            denials.remove(key);
        }
    }

    private static int slot(String key) {
        int h = key.hashCode();
        return ((h ^ (h >>> 16)) & (STRIPES - 1)) * PAD;
    }

    int size() {
        return denials.size();
    }

    /** Drops expired denials, at most once per millisecond of limiter time; true if there is room afterwards. */
    private boolean purge(long nowMicros) {
        long due = nextPurgeMicros.get();
        if (nowMicros >= due && nextPurgeMicros.compareAndSet(due, nowMicros + 1_000)) {
            for (Iterator<Map.Entry<String, Denial>> it = denials.entrySet().iterator(); it.hasNext(); ) {
                if (it.next().getValue().retryAtMicros <= nowMicros) {
                    it.remove();
                }
            }
        }
        return denials.size() < maximumKeys;
    }

    private record Denial(long atMicros, long retryAtMicros, long permits, Decision decision) {
    }
}
