package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreBinding;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One limiter's view of a Redis store, client-neutral: every decision, peek and adjustment is one evaluation of
 * the algorithm's script on the key's single Redis key (or a share of one combined evaluation, when concurrent
 * calls on one key are coalesced); a reset is one {@code DEL}. The store's {@link ScriptRunner} executes the calls.
 * Thread-safe: it holds only immutable data and the store's thread-safe runner.
 */
final class RedisBinding implements StoreBinding {

    /** Largest time the scripts accept: 2^52 microseconds (year 2112), so every sum they form stays below 2^53. */
    static final long MAX_NOW_MICROS = 1L << 52;

    private static final byte[] SERVER_TIME = new byte[0];

    private final ScriptRunner runner;
    private final boolean serverTime;
    private final String namespace;
    private final Algorithm algorithm;
    private final List<Limit> limits;
    private final RedisKeys keys;
    private final DecisionScript script;
    private final byte[] margin;
    private final byte[][] limitArgs;
    private final long largestCapacity;

    RedisBinding(StoreSettings settings, ScriptRunner runner, String namespace, Algorithm algorithm,
            List<Limit> limits) {
        this.runner = runner;
        this.serverTime = settings.serverTime;
        this.namespace = namespace;
        this.algorithm = algorithm;
        this.limits = limits;
        this.keys = new RedisKeys(settings.keyPrefix, algorithm, namespace);
        this.script = DecisionScript.of(algorithm);
        this.margin = ScriptCall.ascii(settings.expiryMarginMillis);
        this.largestCapacity = limits.stream().mapToLong(Limit::capacity).max().orElseThrow();
        this.limitArgs = new byte[limits.size() * 5][];
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            limitArgs[5 * i] = ScriptCall.ascii(limit.permits());
            limitArgs[5 * i + 1] = ScriptCall.ascii(limit.periodMicros());
            limitArgs[5 * i + 2] = ScriptCall.ascii(limit.capacity());
            limitArgs[5 * i + 3] = ScriptCall.ascii(limit.intervalNumerator());
            limitArgs[5 * i + 4] = ScriptCall.ascii(limit.intervalDenominator());
        }
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        ScriptCall call = call(key, ScriptCall.ACQUIRE, permits, nowMicros);
        return Replies.decision(runner.call(call), call);
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits, long nowMicros) {
        ScriptCall call = call(key, ScriptCall.ACQUIRE, permits, nowMicros);
        return runner.submit(call).thenApply(reply -> Replies.decision(reply, call));
    }

    @Override
    public Decision peek(String key, long nowMicros) {
        ScriptCall call = call(key, ScriptCall.ACQUIRE, 0, nowMicros);
        return Replies.decision(runner.call(call), call);
    }

    @Override
    public Decision adjust(String key, long delta, long nowMicros) {
        if (delta == 0) {
            throw new IllegalArgumentException("delta must be non-zero but was 0");
        }
        // As the reference: a delta beyond the largest capacity means that capacity (and stays below 2^53 in Lua).
        long clamped = Math.max(-largestCapacity, Math.min(largestCapacity, delta));
        ScriptCall call = call(key, ScriptCall.ADJUST, clamped, nowMicros);
        return Replies.decision(runner.call(call), call);
    }

    @Override
    public void reset(String key) {
        runner.call(new ScriptCall(this, keys.key(key), ScriptCall.DELETE, 0, -1));
    }

    /** The Redis key of a user key (for tests and diagnostics). */
    byte[] redisKey(String key) {
        return keys.key(key);
    }

    private ScriptCall call(String key, byte op, long amount, long nowMicros) {
        long time = -1;
        if (!serverTime) {
            if (nowMicros < 0 || nowMicros > MAX_NOW_MICROS) {
                throw new IllegalArgumentException("nowMicros must be between 0 and 2^52 (year 2112) for the Redis"
                        + " store, whose scripts compute in doubles, but was " + nowMicros);
            }
            time = nowMicros;
        }
        return new ScriptCall(this, keys.key(key), op, amount, time);
    }

    byte[] time(long nowMicros) {
        return nowMicros < 0 ? SERVER_TIME : ScriptCall.ascii(nowMicros);
    }

    byte[] margin() {
        return margin;
    }

    byte[][] limitArgs() {
        return limitArgs;
    }

    DecisionScript script() {
        return script;
    }

    String namespace() {
        return namespace;
    }

    Algorithm algorithm() {
        return algorithm;
    }

    List<Limit> limits() {
        return limits;
    }

    @Override
    public String toString() {
        return "RedisBinding{namespace=" + namespace + ", algorithm=" + algorithm + ", limits=" + limits + '}';
    }
}
