/**
 * Rate-limit configuration shared by a fleet: every instance's engine reads one text of the properties schema (the
 * keys of ratelimit-servlet's CONFIG.md) from Redis or DynamoDB, and follows its changes live.
 *
 * <h2>API</h2>
 * <ul>
 *   <li>{@link dev.ratelimit.config.RedisSharedConfig} (a hash, pushed by pub/sub and polled) and
 *       {@link dev.ratelimit.config.DynamoDbSharedConfig} (an item, polled): each is an engine's
 *       {@link dev.ratelimit.http.ConfigSource} ({@code RateLimitEngine.Builder.configSource}) and a
 *       {@link dev.ratelimit.config.SharedConfig} to publish to.</li>
 *   <li>{@link dev.ratelimit.config.ConfigPublisher}: validates with the engine's parser, then compare-and-set on the
 *       version; {@link dev.ratelimit.config.VersionConflictException} and
 *       {@link dev.ratelimit.config.ConfigStoreException} for the two ways it can be refused.</li>
 *   <li>{@link dev.ratelimit.config.ConfigTool}: the command-line tool ({@code publish}, {@code show},
 *       {@code validate}).</li>
 * </ul>
 *
 * <h2>SPI</h2>
 * {@link dev.ratelimit.config.SharedConfig} may be implemented for another store (a database row, a key-value
 * service): a read of text and version, and an atomic compare-and-set on the version.
 *
 * <p>Jedis and the AWS SDK are optional dependencies: bring the one of the store you use. The classes of the other
 * store are never loaded.
 */
package dev.ratelimit.config;
