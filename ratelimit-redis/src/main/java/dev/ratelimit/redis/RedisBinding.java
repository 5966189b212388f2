package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One limiter's view of a {@link RedisStore}: every decision, peek and adjustment is one {@code EVALSHA} of the
 * algorithm's script on the key's single Redis key; a reset is one {@code DEL}. Thread-safe: it holds only
 * immutable data and the store's thread-safe client.
 */
final class RedisBinding implements StoreBinding {

    /** Largest time the scripts accept: 2^52 microseconds (year 2112), so every sum they form stays below 2^53. */
    static final long MAX_NOW_MICROS = 1L << 52;

    private static final byte[] ACQUIRE = {'A'};
    private static final byte[] ADJUST = {'J'};
    private static final byte[] SERVER_TIME = new byte[0];

    private final RedisStore store;
    private final String namespace;
    private final Algorithm algorithm;
    private final List<Limit> limits;
    private final RedisKeys keys;
    private final DecisionScript script;
    private final byte[] margin;
    private final byte[][] limitArgs;

    RedisBinding(RedisStore store, String namespace, Algorithm algorithm, List<Limit> limits) {
        this.store = store;
        this.namespace = namespace;
        this.algorithm = algorithm;
        this.limits = limits;
        this.keys = new RedisKeys(store.keyPrefix(), algorithm, namespace);
        this.script = DecisionScript.of(algorithm);
        this.margin = ascii(store.expiryMarginMillis());
        this.limitArgs = new byte[limits.size() * 5][];
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            limitArgs[5 * i] = ascii(limit.permits());
            limitArgs[5 * i + 1] = ascii(limit.periodMicros());
            limitArgs[5 * i + 2] = ascii(limit.capacity());
            limitArgs[5 * i + 3] = ascii(limit.intervalNumerator());
            limitArgs[5 * i + 4] = ascii(limit.intervalDenominator());
        }
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        return store.call(() -> evaluate(key, ACQUIRE, permits, nowMicros));
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits, long nowMicros) {
        if (!store.hasExecutor()) {
            return StoreBinding.super.tryAcquireAsync(key, permits, nowMicros);
        }
        return CompletableFuture.supplyAsync(() -> evaluate(key, ACQUIRE, permits, nowMicros), store.executor());
    }

    @Override
    public Decision peek(String key, long nowMicros) {
        return store.call(() -> evaluate(key, ACQUIRE, 0, nowMicros));
    }

    @Override
    public Decision adjust(String key, long delta, long nowMicros) {
        if (delta == 0 || delta > Limit.MAX_PERMITS || delta < -Limit.MAX_PERMITS) {
            throw new IllegalArgumentException(
                    "delta must be non-zero and at most " + Limit.MAX_PERMITS + " in magnitude but was " + delta);
        }
        return store.call(() -> evaluate(key, ADJUST, delta, nowMicros));
    }

    @Override
    public void reset(String key) {
        byte[] redisKey = keys.key(key);
        store.call(() -> guarded("reset", () -> store.jedis().del(redisKey)));
    }

    /** The Redis key of a user key (for tests and diagnostics). */
    byte[] redisKey(String key) {
        return keys.key(key);
    }

    private Decision evaluate(String key, byte[] op, long amount, long nowMicros) {
        byte[] time;
        if (store.usesServerTime()) {
            time = SERVER_TIME;
        } else {
            if (nowMicros < 0 || nowMicros > MAX_NOW_MICROS) {
                throw new IllegalArgumentException("nowMicros must be between 0 and 2^52 (year 2112) for the Redis"
                        + " store, whose scripts compute in doubles, but was " + nowMicros);
            }
            time = ascii(nowMicros);
        }
        byte[] redisKey = keys.key(key);
        byte[][] args = new byte[4 + limitArgs.length][];
        args[0] = op;
        args[1] = ascii(amount);
        args[2] = time;
        args[3] = margin;
        System.arraycopy(limitArgs, 0, args, 4, limitArgs.length);
        Object reply = guarded(op == ACQUIRE ? "decision" : "adjustment",
                () -> script.run(store.jedis(), redisKey, Arrays.asList(args)));
        return toDecision(reply);
    }

    private Decision toDecision(Object reply) {
        if (!(reply instanceof List<?> list) || list.size() != 5) {
            throw new StoreException("Redis store: unexpected script reply " + reply + " for limiter " + namespace);
        }
        long outcome = (Long) list.get(0);
        Limit limit = limits.get(((Long) list.get(1)).intValue());
        long remaining = (Long) list.get(2);
        long resetAfter = (Long) list.get(3);
        long retryAfter = (Long) list.get(4);
        if (outcome == 0) {
            return Decision.allowed(limit, remaining, resetAfter);
        }
        if (outcome == 1) {
            return Decision.denied(limit, remaining, resetAfter, retryAfter);
        }
        return Decision.exceedsCapacity(limit, remaining, resetAfter);
    }

    private <T> T guarded(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (JedisException e) {
            throw new StoreException("Redis store: " + what + " for limiter \"" + namespace + "\" (" + algorithm
                    + ") failed: " + e.getMessage(), e);
        }
    }

    private static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "RedisBinding{namespace=" + namespace + ", algorithm=" + algorithm + ", limits=" + limits + '}';
    }
}
