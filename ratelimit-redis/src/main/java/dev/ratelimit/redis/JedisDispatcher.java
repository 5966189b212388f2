package dev.ratelimit.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Runs calls on a fixed number of the store's own threads, each of which takes every call waiting (up to
 * {@link #MAX_BATCH}) and sends them together: one {@code EVALSHA} for a lone call, otherwise one pipeline (per
 * node, in a cluster, by Jedis's {@code ClusterPipeline}) in which concurrent acquires on one key are one combined
 * evaluation ({@link Coalescing}). Nothing waits to fill a batch: a thread sends what is there as soon as it is
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
        List<List<ScriptCall>> groups = Coalescing.group(batch, true);
        if (groups.size() == 1 && batch.size() > 1) {
            evaluateAlone(groups.get(0));
            return;
        }
        List<Response<?>> responses = new ArrayList<>(groups.size());
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            for (List<ScriptCall> g : groups) {
                ScriptCall first = g.get(0);
                if (first.op == ScriptCall.DELETE) {
                    responses.add(pipeline.del(first.redisKey));
                } else {
                    responses.add(pipeline.evalsha(first.script().sha(), List.of(first.redisKey),
                            Coalescing.args(g)));
                }
            }
            pipeline.sync();
        } catch (JedisException e) {
            for (List<ScriptCall> g : groups) {
                Coalescing.fail(g, e.getMessage(), e);
            }
            return;
        }
        for (int i = 0; i < groups.size(); i++) {
            List<ScriptCall> g = groups.get(i);
            try {
                Coalescing.complete(g, responses.get(i).get());
            } catch (JedisException e) {
                if (String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
                    evaluateAlone(g); // loads the script and retries
                } else {
                    Coalescing.fail(g, e.getMessage(), e);
                }
            } catch (RuntimeException e) {
                Coalescing.fail(g, "unexpected reply: " + e, e);
            }
        }
    }

    /** One group as one command (no pipeline). */
    private void evaluateAlone(List<ScriptCall> g) {
        ScriptCall first = g.get(0);
        try {
            if (first.op == ScriptCall.DELETE) {
                first.complete(jedis.del(first.redisKey));
            } else {
                Coalescing.complete(g, JedisDirectRunner.evalsha(jedis, first.script(), first.redisKey,
                        Coalescing.args(g)));
            }
        } catch (JedisException e) {
            Coalescing.fail(g, e.getMessage(), e);
        } catch (RuntimeException e) {
            Coalescing.fail(g, "unexpected reply: " + e, e);
        }
    }
}
