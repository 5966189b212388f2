/**
 * The embedded store. {@link dev.ratelimit.memory.InMemoryStore} is <b>API</b> (build one to bound memory
 * differently, to share it between limiters or to read its key count); everything else in this package (the
 * packed 64-bit encodings, the bindings, the key budget) is package-private and not API.
 *
 * <p>The store is thread-safe and lock-free; its class comment explains the encodings, the bounds, eviction and
 * sweeping.
 */
package dev.ratelimit.memory;
