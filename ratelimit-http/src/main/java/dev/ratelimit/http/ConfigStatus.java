package dev.ratelimit.http;

/**
 * How an engine's configuration source is doing, for a metric or an actuator-like endpoint
 * ({@link RateLimitEngine#configStatus()}).
 * Immutable and thread-safe.
 *
 * @param source where the configuration comes from ({@link ConfigSource#name()}, a file location, or {@code code}
 *     for a configuration given in code)
 * @param version the version in force ({@link ConfigText#version()}); {@code -} for a configuration given in code
 * @param rejected how many changed texts were invalid and not put in force since the engine started (each bad text
 *     counts once, however often it is read)
 * @param readFailures how many reads of the source failed since the engine started (unreachable store, missing
 *     item)
 * @param lastError the message of the latest rejection or read failure, naming source, key and value; null if none
 *     happened, or if a valid change was put in force after it
 */
public record ConfigStatus(String source, String version, long rejected, long readFailures, String lastError) {
}
