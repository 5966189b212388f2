/**
 * Rate-limit state in Redis (<b>API</b>: {@link dev.ratelimit.redis.RedisStore} on Jedis and
 * {@link dev.ratelimit.redis.LettuceRedisStore} on Lettuce, each with its builder; everything else in the package
 * is package-private implementation). Both implement the core's {@link dev.ratelimit.spi.RateLimitStore} SPI: pass
 * one to {@code RateLimiter.Builder.store(...)}. Every decision is one Lua script evaluation on one Redis key, so
 * it is atomic on a standalone server, under Sentinel and in a cluster.
 *
 * <pre>{@code
 * RateLimitStore store = RedisStore.builder(new JedisPooled("localhost", 6379))
 *         .keyPrefix("myapp:")                  // the literal start of every Redis key
 *         .timeout(Duration.ofMillis(200))      // the longest one call may take
 *         .build();
 * }</pre>
 *
 * <p>The builders follow the project's conventions: values are checked when set, the last call wins, a null
 * throws {@link java.lang.NullPointerException} and any other bad value an
 * {@link java.lang.IllegalArgumentException} naming it; builders are not thread-safe, the stores are. The scripts
 * ({@code *.lua} beside these classes) and the key format are described in the module README.
 */
package dev.ratelimit.redis;
