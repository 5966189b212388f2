package dev.ratelimit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
 * the same instant until one of those happens. What this limiter cannot see (another instance spending on the same
 * key, or an allowed request racing with a denial of the same key on another thread) can make a cached wait
 * shorter than the store's by what was spent meanwhile; the cached denial is then re-checked by the store at its
 * retry time, so nothing is ever admitted beyond the limits.
 */
final class DenyCache {

    private final int maximumKeys;
    private final ConcurrentHashMap<String, Denial> denials = new ConcurrentHashMap<>();
    private final AtomicLong nextPurgeMicros = new AtomicLong(Long.MIN_VALUE);

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
    void afterStore(String key, long permits, long nowMicros, Decision decision) {
        if (decision.allowed()) {
            Denial stale = denials.get(key);
            if (stale != null) {
                denials.remove(key, stale);
            }
        } else {
            remember(key, permits, nowMicros, decision);
        }
    }

    /** Remembers a denial by the limits; other decisions are not cached. */
    void remember(String key, long permits, long nowMicros, Decision decision) {
        if (decision.reason() != Decision.Reason.LIMIT_EXCEEDED) {
            return;
        }
        if (denials.size() >= maximumKeys && !purge(nowMicros)) {
            return;
        }
        Denial fresh = new Denial(nowMicros, nowMicros + decision.retryAfterMicros(), permits, decision);
        denials.merge(key, fresh, (old, young) ->
                old.retryAtMicros > nowMicros && old.permits < young.permits ? old : young);
    }

    void forget(String key) {
        denials.remove(key);
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
