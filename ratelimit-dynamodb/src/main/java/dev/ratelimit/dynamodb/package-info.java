/**
 * Rate-limit state in one DynamoDB table (<b>API</b>: {@link dev.ratelimit.dynamodb.DynamoDbStore} and its
 * builder; everything else in the package is package-private implementation). The store implements the core's
 * {@link dev.ratelimit.spi.RateLimitStore} SPI: pass it to {@code RateLimiter.Builder.store(...)}. Decisions are
 * conditional writes on one item per key, with DynamoDB's own time ({@code serverTime()}, the default) so that
 * instances with skewed clocks agree.
 *
 * <pre>{@code
 * DynamoDbStore store = DynamoDbStore.builder(DynamoDbClient.create())
 *         .tableName("rate-limits")
 *         .keyPrefix("myapp:")                  // the literal start of every partition key
 *         .timeout(Duration.ofMillis(500))      // the longest one call may take
 *         .build();
 * }</pre>
 *
 * <p>The builder follows the project's conventions: values are checked when set, the last call wins, a null
 * throws {@link java.lang.NullPointerException} and any other bad value an
 * {@link java.lang.IllegalArgumentException} naming it; the builder is not thread-safe, the store is. The table
 * schema, item layouts and failure modes are described in the module README.
 */
package dev.ratelimit.dynamodb;
