package dev.ratelimit.http;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor an engine owns when it is given none: {@value #THREADS} daemon threads named
 * {@code ratelimit-engine-N} (started on demand, ended after {@value #IDLE_SECONDS} s idle) and a queue of
 * {@value #QUEUE} tasks. A task that finds the queue full is refused ({@link java.util.concurrent.RejectedExecutionException}),
 * so a slow store can make settlements wait but never pile up without bound; the callers skip the refused work and
 * log it (see {@link RateLimitEngine.Builder#executor}).
 */
final class EngineExecutor {

    static final int THREADS = 4;
    static final int QUEUE = 4096;
    static final int IDLE_SECONDS = 30;

    private EngineExecutor() {
    }

    static ThreadPoolExecutor create() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), task -> {
                    Thread thread = new Thread(task, "ratelimit-engine-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
