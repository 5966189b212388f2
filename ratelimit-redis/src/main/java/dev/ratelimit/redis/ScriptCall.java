package dev.ratelimit.redis;

import dev.ratelimit.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One pending store call of a {@link RedisBinding}: an {@code EVALSHA} of the binding's script on one key, or a
 * {@code DEL}. It is its own future: a runner completes it with the raw reply (or a {@link StoreException}), and
 * the binding decodes the reply ({@link Replies}). Calls on the same key, binding and time may be combined into one
 * script evaluation ({@link #combinableWith}).
 *
 * <p>Completed by whichever comes first: the runner's reply, the caller's timeout. Thread-safe as a future; its
 * fields are immutable.
 */
final class ScriptCall extends CompletableFuture<Object> {

    static final byte ACQUIRE = 'A';
    static final byte ADJUST = 'J';
    static final byte DELETE = 'D';
    private static final byte[] BATCH = {'B'};

    final RedisBinding binding;
    final byte[] redisKey;
    final byte op;
    final long amount;
    /** The caller's time, or -1 with server time. */
    final long nowMicros;

    ScriptCall(RedisBinding binding, byte[] redisKey, byte op, long amount, long nowMicros) {
        this.binding = binding;
        this.redisKey = redisKey;
        this.op = op;
        this.amount = amount;
        this.nowMicros = nowMicros;
    }

    DecisionScript script() {
        return binding.script();
    }

    /** The arguments of this call alone. */
    List<byte[]> args() {
        byte[][] limitArgs = binding.limitArgs();
        byte[][] args = new byte[4 + limitArgs.length][];
        args[0] = new byte[] {op};
        args[1] = ascii(amount);
        args[2] = binding.time(nowMicros);
        args[3] = binding.margin();
        System.arraycopy(limitArgs, 0, args, 4, limitArgs.length);
        return Arrays.asList(args);
    }

    /**
     * Whether {@code other} may be decided in the same script evaluation as this call: both acquires (or peeks) of
     * one binding whose algorithm can combine, on one key, at one time.
     */
    boolean combinableWith(ScriptCall other) {
        return op == ACQUIRE && other.op == ACQUIRE && binding == other.binding && nowMicros == other.nowMicros
                && binding.script().combinable() && Arrays.equals(redisKey, other.redisKey);
    }

    /** The arguments of one evaluation deciding {@code calls} (combinable with each other) in their order. */
    static List<byte[]> batchArgs(List<ScriptCall> calls) {
        ScriptCall first = calls.get(0);
        StringBuilder permits = new StringBuilder(calls.size() * 2);
        for (ScriptCall c : calls) {
            if (permits.length() > 0) {
                permits.append(' ');
            }
            permits.append(c.amount);
        }
        byte[][] limitArgs = first.binding.limitArgs();
        byte[][] args = new byte[4 + limitArgs.length][];
        args[0] = BATCH;
        args[1] = permits.toString().getBytes(StandardCharsets.US_ASCII);
        args[2] = first.binding.time(first.nowMicros);
        args[3] = first.binding.margin();
        System.arraycopy(limitArgs, 0, args, 4, limitArgs.length);
        return Arrays.asList(args);
    }

    /** What this call is, for error messages: e.g. {@code decision for limiter "api" (TOKEN_BUCKET)}. */
    String describe() {
        String what = switch (op) {
            case ACQUIRE -> amount == 0 ? "peek" : "decision";
            case ADJUST -> "adjustment";
            default -> "reset";
        };
        return what + " for limiter \"" + binding.namespace() + "\" (" + binding.algorithm() + ")";
    }

    /** Fails this call with a store error that names it. */
    void fail(String why, Throwable cause) {
        completeExceptionally(new StoreException("Redis store: " + describe() + " failed: " + why, cause));
    }

    static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
