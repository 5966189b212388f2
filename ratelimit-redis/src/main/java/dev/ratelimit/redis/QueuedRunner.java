package dev.ratelimit.redis;

import dev.ratelimit.spi.StoreException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the runners that do not use the caller's thread share: a bound on pending calls (a full store answers at
 * once with a {@link StoreException}, for the failure policy to decide), and the per-call timeout. A synchronous
 * caller parks on its call's future for at most the store's timeout; an asynchronous call is completed with a
 * timeout error by the JDK's shared {@code CompletableFuture} delay thread, so no thread waits per call.
 *
 * <p>Thread-safe.
 */
abstract class QueuedRunner implements ScriptRunner {

    /** How long a lone synchronous caller polls for its answer before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    final StoreSettings settings;
    private final AtomicInteger pending = new AtomicInteger();

    QueuedRunner(StoreSettings settings) {
        this.settings = settings;
    }

    /** Hands the admitted call to the client; the runner calls {@link #finished} once it is done with it. */
    abstract void start(ScriptCall call);

    /** Calls started and not yet finished by the runner (answered, failed, or skipped after a timeout). */
    int pending() {
        return pending.get();
    }

    /** Called by the runner once per started call, when the client no longer holds it. */
    final void finished() {
        pending.decrementAndGet();
    }

    /** {@link #finished()} for each of {@code calls}. */
    final void finished(List<ScriptCall> calls) {
        finished(calls.size());
    }

    /** {@link #finished()} {@code calls} times. */
    final void finished(int calls) {
        pending.addAndGet(-calls);
    }

    /**
     * Moves waiting calls from {@code queue} to {@code batch}, in order, until the batch holds {@code max}; a call
     * whose caller has already given up (timed out) is finished instead of sent.
     */
    final void takeBatch(Queue<ScriptCall> queue, List<ScriptCall> batch, int max) {
        ScriptCall c;
        while (batch.size() < max && (c = queue.poll()) != null) {
            if (c.isDone()) {
                finished();
            } else {
                batch.add(c);
            }
        }
    }

    @Override
    public final Object call(ScriptCall call) {
        admit(call);
        start(call);
        if (pending.get() <= 1) {
            // A lone caller: a Redis round trip takes tens of microseconds, less than parking and waking up.
            long until = System.nanoTime() + SPIN_NANOS;
            while (!call.isDone() && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        try {
            return call.get(settings.timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            StoreException timeout = timedOut(call);
            call.completeExceptionally(timeout);
            throw timeout;
        } catch (ExecutionException e) {
            throw asStoreException(e.getCause(), call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            StoreException interrupted = new StoreException(
                    "Redis store: interrupted while waiting for the " + call.describe(), e);
            call.completeExceptionally(interrupted);
            throw interrupted;
        }
    }

    @Override
    public final CompletableFuture<Object> submit(ScriptCall call) {
        try {
            admit(call);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        start(call);
        if (call.isDone()) {
            return call;
        }
        return call.orTimeout(settings.timeoutNanos, TimeUnit.NANOSECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(
                        e instanceof TimeoutException ? timedOut(call) : asStoreException(e, call)));
    }

    private void admit(ScriptCall call) {
        if (pending.incrementAndGet() > settings.maxPendingCalls) {
            pending.decrementAndGet();
            throw new StoreException("Redis store: " + settings.maxPendingCalls + " calls are already waiting for"
                    + " Redis (maxPendingCalls), so the " + call.describe() + " was not sent; Redis is slow or"
                    + " unreachable");
        }
    }

    private StoreException timedOut(ScriptCall call) {
        return new StoreException("Redis store: no answer to the " + call.describe() + " within the timeout"
                + " of " + settings.timeout.toMillis() + " ms");
    }

    static StoreException asStoreException(Throwable e, ScriptCall call) {
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof StoreException store) {
            return store;
        }
        return new StoreException("Redis store: " + call.describe() + " failed: " + e, e);
    }
}
