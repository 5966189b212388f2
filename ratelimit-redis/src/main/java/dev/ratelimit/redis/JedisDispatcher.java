package dev.ratelimit.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Runs calls on a fixed number of the store's own threads, each of which takes every call waiting (up to
 * {@link #MAX_BATCH}) and sends them together: one {@code EVALSHA} for a lone call, otherwise one pipeline (per
 * node, in a cluster, by Jedis's {@code ClusterPipeline}) of the batch's commands ({@link Coalescing}): concurrent
 * acquires on one key are one combined evaluation, and the calls of one script on different keys are one
 * multi-key evaluation (per slot, in a cluster). Nothing waits to fill a batch: a thread sends what is there as soon as it is
 * free, so a lone caller's call goes out at once, and a batch forms only while every thread is busy.
 *
 * <p>Callers park on their call's future for at most the store's timeout ({@link QueuedRunner}); the threads
 * never grow in number, whatever the load or the state of Redis. A call whose caller has given up before a thread
 * took it is not sent. Thread-safe.
 */
final class JedisDispatcher extends QueuedRunner {

    static final int MAX_BATCH = 128;
    /** How long one idle thread polls for work before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final AtomicInteger STORES = new AtomicInteger();

    private final UnifiedJedis jedis;
    private final ConcurrentLinkedQueue<ScriptCall> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Thread> idle = new ConcurrentLinkedQueue<>();
    /** Whether one thread is briefly polling for work before it parks (at most one at a time). */
    private final AtomicBoolean spinning = new AtomicBoolean();
    private final Thread[] workers;
    /** Which keys one command may hold on this client; known once the first pipeline was made. */
    private volatile Coalescing.KeyScope scope;
    private volatile boolean closed;

    JedisDispatcher(UnifiedJedis jedis, StoreSettings settings, int threads) {
        super(settings);
        this.jedis = jedis;
        this.workers = new Thread[threads];
        int store = STORES.incrementAndGet();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::work, "ratelimit-redis-" + store + "-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    int threads() {
        return workers.length;
    }

    @Override
    void start(ScriptCall call) {
        if (closed) {
            call.fail("the store is closed", null);
            finished();
            return;
        }
        queue.add(call);
        if (spinning.get()) {
            return; // the polling thread sees the call, during its poll or in its check after it
        }
        Thread sleeper = idle.poll();
        if (sleeper != null) {
            LockSupport.unpark(sleeper);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        ScriptCall c;
        while ((c = queue.poll()) != null) {
            c.fail("the store is closed", null);
            finished();
        }
    }

    private void work() {
        Thread me = Thread.currentThread();
        List<ScriptCall> batch = new ArrayList<>(MAX_BATCH);
        int limit = settings.coalescing ? MAX_BATCH : 1;
        while (!closed) {
            takeBatch(queue, batch, limit);
            if (batch.isEmpty()) {
                if (spinning.compareAndSet(false, true)) {
                    // A lone caller's next call usually comes within microseconds: take it without a wake-up.
                    long until = System.nanoTime() + SPIN_NANOS;
                    while (queue.isEmpty() && !closed && System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    spinning.set(false);
                    if (!queue.isEmpty()) {
                        continue;
                    }
                }
                idle.add(me);
                if (queue.isEmpty() && !closed) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
                idle.remove(me);
                continue;
            }
            try {
                if (batch.size() == 1) {
                    single(batch.get(0));
                } else {
                    pipelined(batch);
                }
            } catch (RuntimeException | Error e) {
                for (ScriptCall b : batch) {
                    b.fail("unexpected error", e);
                }
            } finally {
                finished(batch);
                batch.clear();
            }
        }
    }

    private void single(ScriptCall call) {
        try {
            call.complete(JedisDirectRunner.run(jedis, call));
        } catch (JedisException e) {
            call.fail(e.getMessage(), e);
        } catch (RuntimeException e) {
            call.fail("unexpected reply: " + e, e);
        }
    }

    private void pipelined(List<ScriptCall> batch) {
        Coalescing.KeyScope known = scope;
        List<Coalescing.Command> commands = null;
        if (known != null) {
            commands = Coalescing.plan(batch, known, JedisClusterCRC16::getSlot);
            if (commands.size() == 1) {
                evaluateAlone(commands.get(0));
                return;
            }
        }
        List<Response<?>> responses;
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            if (commands == null) {
                scope = known = scopeOf(pipeline);
                commands = Coalescing.plan(batch, known, JedisClusterCRC16::getSlot);
            }
            responses = new ArrayList<>(commands.size());
            for (Coalescing.Command c : commands) {
                if (c.isDelete()) {
                    responses.add(pipeline.del(c.key()));
                } else {
                    responses.add(pipeline.evalsha(c.runs().sha(), Arrays.asList(c.keys()), c.args()));
                }
            }
            pipeline.sync();
        } catch (JedisException e) {
            for (ScriptCall b : batch) {
                b.fail(e.getMessage(), e);
            }
            return;
        }
        for (int i = 0; i < commands.size(); i++) {
            Coalescing.Command c = commands.get(i);
            try {
                c.complete(responses.get(i).get());
            } catch (JedisException e) {
                if (String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
                    evaluateAlone(c); // loads the script and retries
                } else {
                    c.fail(e.getMessage(), e);
                }
            } catch (RuntimeException e) {
                c.fail("unexpected reply: " + e, e);
            }
        }
    }

    /**
     * Which keys one command may hold on this client: any on a plain {@link Pipeline} (one connection to one
     * server), one slot's on a {@link ClusterPipeline}, otherwise one (e.g. a sharded client routes each command
     * by its first key).
     */
    private static Coalescing.KeyScope scopeOf(AbstractPipeline pipeline) {
        if (pipeline.getClass() == Pipeline.class) {
            return Coalescing.KeyScope.ANY;
        }
        return pipeline instanceof ClusterPipeline ? Coalescing.KeyScope.SLOT : Coalescing.KeyScope.ONE;
    }

    /** One command alone (no pipeline), loading its script first if the server does not know it. */
    private void evaluateAlone(Coalescing.Command c) {
        try {
            if (c.isDelete()) {
                c.complete(jedis.del(c.key()));
            } else {
                c.complete(JedisDirectRunner.evalsha(jedis, c.runs(), Arrays.asList(c.keys()), c.args()));
            }
        } catch (JedisException e) {
            c.fail(e.getMessage(), e);
        } catch (RuntimeException e) {
            c.fail("unexpected reply: " + e, e);
        }
    }
}
