/**
 * The store seam (<b>SPI</b>: store implementers implement it; applications only pass a store to
 * {@link dev.ratelimit.RateLimiter.Builder#store}). A {@link dev.ratelimit.spi.RateLimitStore} is bound once per
 * limiter and returns a {@link dev.ratelimit.spi.StoreBinding} that evaluates the algorithm atomically per key,
 * in as few round trips as the backend allows, and reports failures as
 * {@link dev.ratelimit.spi.StoreException}.
 *
 * <p>{@link dev.ratelimit.spi.StateTransition} holds the reference implementation of each algorithm: pure
 * functions over a {@code long[]} state, which the in-memory store runs directly and which every other store must
 * match decision for decision. The contract suite in {@code ratelimit-testkit}
 * ({@code RateLimitStoreContract}) checks a store against it with a fake clock.
 *
 * <p>Stores must be thread-safe; the reference transitions are stateless and thread-safe.
 */
package dev.ratelimit.spi;
