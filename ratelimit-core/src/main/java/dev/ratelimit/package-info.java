/**
 * The rate limiting API (<b>API</b>: applications call it). A {@link dev.ratelimit.RateLimiter} answers one
 * question for a key, <em>may it spend these permits now, and if not, when?</em>, as a
 * {@link dev.ratelimit.Decision}. A limiter is built from one or more {@link dev.ratelimit.Limit}s (permits per
 * period, {@code Limit.parse("100/1s")}), an {@link dev.ratelimit.Algorithm}, a store (in memory by default), a
 * {@link dev.ratelimit.TimeSource}, a {@link dev.ratelimit.FailurePolicy} for store outages and optionally a
 * {@link dev.ratelimit.RateLimitListener} such as {@link dev.ratelimit.ViolationLog}.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.builder()
 *         .limits(Limit.parse("100/1s"), Limit.parse("10000/1d"))
 *         .build();
 * Decision d = limiter.tryAcquire(apiKey);
 * if (!d.allowed()) {
 *     // 429; retry after d.retryAfter()
 * }
 * }</pre>
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Builders: values are checked when set; setting an option again replaces it (the last call wins); methods
 *       taking several values come as {@code x(T...)} and {@code x(List<T>)}. Builders are not thread-safe; what
 *       they build is.</li>
 *   <li>Bad arguments: a null throws {@link java.lang.NullPointerException} naming the parameter; any other bad
 *       value an {@link java.lang.IllegalArgumentException} naming the value.</li>
 *   <li>Time is in microseconds since the epoch, read from the injected {@code TimeSource}
 *       ({@code timeSource(...)} on every builder that takes one).</li>
 *   <li>Thread safety is stated on every type: limiters, limits, decisions and policies are thread-safe.</li>
 * </ul>
 *
 * <p>Backends implement {@link dev.ratelimit.spi} (<b>SPI</b>); the embedded store is
 * {@link dev.ratelimit.memory.InMemoryStore}; {@code dev.ratelimit.internal} is not API.
 */
package dev.ratelimit;
