package dev.ratelimit.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs calls through Lettuce's asynchronous API, without a thread of its own: a call is written to the connection
 * and its future is completed by Lettuce's event loop when the reply arrives (or by the timeout).
 *
 * <p>With coalescing, calls are spread over {@link #LANES} lanes by key. A lane has at most one batch in flight:
 * a call that finds its lane idle is sent at once; calls that arrive while the lane's batch is in flight wait for
 * it and then go out together ({@link Coalescing}): acquires on one key combined into one evaluation, the calls
 * of one script on different keys into one multi-key evaluation (per slot in a cluster), and those commands
 * pipelined on the connection (routed per node in a cluster by Lettuce). Few lanes let batches of different keys
 * form (16: at 100,000 keys, 64 threads and 16 asynchronous calls in flight each, about 32 calls per evaluation,
 * against one per evaluation with 1,024 lanes); a hot key's calls all go to one lane. Nothing waits on a timer.
 * Without coalescing every call is sent at once. Thread-safe.
 */
final class LettuceRunner extends QueuedRunner {

    static final int LANES = 16;
    static final int MAX_BATCH = 256;
    private static final Logger LOG = LoggerFactory.getLogger(LettuceRunner.class);

    private final RedisClusterAsyncCommands<byte[], byte[]> commands;
    private final Lane[] lanes;
    /** Which keys one command may hold: one slot's on a cluster connection, any on a standalone one. */
    private final Coalescing.KeyScope scope;
    private volatile boolean closed;

    LettuceRunner(RedisClusterAsyncCommands<byte[], byte[]> commands, StoreSettings settings) {
        super(settings);
        this.commands = commands;
        this.scope = commands instanceof RedisAdvancedClusterAsyncCommands<?, ?> ? Coalescing.KeyScope.SLOT
                : Coalescing.KeyScope.ANY;
        if (settings.coalescing) {
            lanes = new Lane[LANES];
            for (int i = 0; i < LANES; i++) {
                lanes[i] = new Lane();
            }
        } else {
            lanes = null;
        }
    }

    @Override
    void start(ScriptCall call) {
        if (closed) {
            call.fail("the store is closed", null);
            finished();
            return;
        }
        if (lanes == null) {
            send(new Coalescing.Command(call.op == ScriptCall.DELETE ? null : call.script(), List.of(call), -1),
                    null);
        } else {
            lanes[Arrays.hashCode(call.redisKey) & (lanes.length - 1)].add(call);
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Sends one command; {@code done} runs once its calls are completed. */
    private void send(Coalescing.Command command, Runnable done) {
        if (command.isDelete()) {
            commands.del(command.key()).whenComplete((r, e) -> finish(command, r, e, done));
            return;
        }
        DecisionScript script = command.runs();
        byte[][] keys = command.keys();
        byte[][] values = command.args().toArray(new byte[0][]);
        evalsha(script, keys, values).whenComplete((reply, error) -> {
            if (error != null && unwrap(error) instanceof RedisNoScriptException) {
                LOG.debug("Loading the {} script, which the server did not know ({})", script.algorithm(),
                        error.getMessage());
                commands.scriptLoad(script.textBytes()).thenCompose(sha -> evalsha(script, keys, values))
                        .whenComplete((r, e) -> finish(command, r, e, done));
            } else {
                finish(command, reply, error, done);
            }
        });
    }

    private CompletionStage<Object> evalsha(DecisionScript script, byte[][] keys, byte[][] values) {
        try {
            return commands.evalsha(script.shaHex(), ScriptOutputType.MULTI, keys, values);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void finish(Coalescing.Command command, Object reply, Throwable error, Runnable done) {
        if (error != null) {
            Throwable cause = unwrap(error);
            command.fail(String.valueOf(cause.getMessage()), cause);
        } else {
            command.complete(reply);
        }
        finished(command.calls());
        if (done != null) {
            done.run();
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** At most one batch in flight; calls arriving meanwhile form the next batch. */
    private final class Lane {
        private final ConcurrentLinkedQueue<ScriptCall> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean busy = new AtomicBoolean();

        void add(ScriptCall call) {
            queue.add(call);
            drain();
        }

        void drain() {
            while (!queue.isEmpty() && busy.compareAndSet(false, true)) {
                List<ScriptCall> batch = new ArrayList<>();
                takeBatch(queue, batch, MAX_BATCH);
                if (batch.isEmpty()) {
                    busy.set(false);
                    continue;
                }
                List<Coalescing.Command> planned = Coalescing.plan(batch, scope, SlotHash::getSlot);
                AtomicInteger left = new AtomicInteger(planned.size());
                Runnable done = () -> {
                    if (left.decrementAndGet() == 0) {
                        busy.set(false);
                        drain();
                    }
                };
                for (Coalescing.Command c : planned) {
                    send(c, done);
                }
                return;
            }
        }
    }
}
