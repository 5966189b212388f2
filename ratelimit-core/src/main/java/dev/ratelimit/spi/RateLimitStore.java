package dev.ratelimit.spi;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.util.List;

/**
 * Where limiters keep their state: the seam every backend implements.
 *
 * <p>A limiter {@linkplain #bind binds} the store once, when it is built, to its namespace, algorithm and limits,
 * and then makes every decision through the returned {@link StoreBinding}. Binding first lets a store do its
 * per-limiter work once (encode the namespace, load a script, pre-compute arguments) instead of on every request.
 *
 * <p>A store evaluates the algorithm itself, atomically per key, in as few round trips as it can (one Lua call in
 * Redis, one conditional write in DynamoDB), and gives the same decisions as the reference
 * {@link StateTransition} for the same requests and times. It also owns expiry: a key that has been idle long
 * enough to be back at full allowance is dropped, so storage is bounded by the active keys.
 *
 * <p>Implementations must be thread-safe. Failures are reported by throwing (preferably a
 * {@link StoreException}); the limiter turns them into decisions through its failure policy.
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * Returns the binding through which one limiter evaluates its keys.
     *
     * @param namespace the limiter's {@linkplain dev.ratelimit.RateLimiter.Builder#namespace namespace}, 1 to 128
     *     characters; keys of different namespaces never share state
     * @param algorithm the algorithm to run
     * @param limits one or more limits, all of which must allow a request; not empty, no duplicates, already
     *     {@linkplain StateTransition#validate validated} for the algorithm
     * @return the binding; the limiter keeps it for its lifetime and calls it from any thread
     * @throws IllegalArgumentException if this store cannot evaluate these limits exactly (the message says why)
     */
    StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits);

    /** Releases resources the store created itself; resources passed in by the user stay open. */
    @Override
    default void close() {
    }
}
