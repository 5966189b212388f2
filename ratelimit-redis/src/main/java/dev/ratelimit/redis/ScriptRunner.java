package dev.ratelimit.redis;

import java.util.concurrent.CompletableFuture;

/**
 * Executes {@link ScriptCall}s on one Redis client. The implementations are the client-specific part of the
 * stores: {@link JedisDirectRunner} (the caller's thread), {@link JedisDispatcher} (the store's threads, pipelined
 * and coalesced) and {@link LettuceRunner} (asynchronous, coalesced).
 *
 * <p>Implementations are thread-safe.
 */
interface ScriptRunner {

    /**
     * Runs the call and returns its raw reply, waiting at most the runner's stated bound.
     *
     * @throws dev.ratelimit.spi.StoreException on any failure, timeout or full queue
     */
    Object call(ScriptCall call);

    /**
     * Starts the call and returns it, completed later with the raw reply or a
     * {@link dev.ratelimit.spi.StoreException} (a timeout included).
     */
    CompletableFuture<Object> submit(ScriptCall call);

    /** Stops the runner's own threads, if any; the client stays open. */
    void close();
}
