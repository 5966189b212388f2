/**
 * Test support (<b>API</b> for tests; add {@code ratelimit-testkit} with test scope).
 *
 * <ul>
 *   <li>For code that uses a limiter: {@link dev.ratelimit.testkit.FakeClock}, a
 *       {@link dev.ratelimit.TimeSource} that moves only when told to; {@link dev.ratelimit.testkit.FailingStore},
 *       an outage; {@link dev.ratelimit.testkit.CountingStore}, counting the calls that reach a store.</li>
 *   <li>For store implementers (the {@link dev.ratelimit.spi} SPI):
 *       {@link dev.ratelimit.testkit.RateLimitStoreContract}, the JUnit 5 suite every store passes, with
 *       {@link dev.ratelimit.testkit.StoreBounds} and {@link dev.ratelimit.testkit.RandomLimits} to state and
 *       probe a store's exact range.</li>
 * </ul>
 *
 * <p>Each type states its thread safety; the clock and the stores are thread-safe.
 */
package dev.ratelimit.testkit;
