/**
 * Micrometer metrics for rate limiters (<b>API</b>): {@link dev.ratelimit.micrometer.MicrometerListener} is a
 * {@link dev.ratelimit.RateLimitListener} publishing decisions, failure-policy activations, store latency and
 * in-memory key counts, and {@link dev.ratelimit.micrometer.ConfigStatusMeters} publishes an HTTP engine's
 * configuration status; the module README lists the meters and their tags. Thread-safe.
 */
package dev.ratelimit.micrometer;
