package dev.ratelimit.examples.uploads;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TimeSource;
import dev.ratelimit.dynamodb.DynamoDbStore;
import java.net.URI;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The upload limiter: each user may upload 5 files in any 24 hours, counted in DynamoDB so every instance of the
 * service (or every Lambda) shares the count.
 *
 * <p>Run against DynamoDB Local in this JVM, nothing to install:
 * {@code mvn -q -pl examples -am test-compile exec:java -Dexec.classpathScope=test
 * -Ddemo.mainClass=dev.ratelimit.examples.uploads.UploadsOnDynamoDbLocal}.
 * Against AWS (default credentials and region) or another endpoint:
 * {@code ... exec:java -Ddemo.mainClass=dev.ratelimit.examples.uploads.UploadLimiter -Dexec.args="TABLE [ENDPOINT]"}.
 *
 * <p>Thread-safe.
 */
public final class UploadLimiter {

    /** Five uploads in any 24 hours. */
    public static final Limit UPLOADS = Limit.parse("5/24h");

    private final RateLimiter limiter;

    /**
     * Counts uploads in the store's table, reading time from {@code time} (the system clock in production). Make
     * the store with {@code DynamoDbStore.builder(dynamo).tableName("uploads").build()}.
     */
    public UploadLimiter(DynamoDbStore store, TimeSource time) {
        this.limiter = RateLimiter.builder()
                .limit(UPLOADS)
                .algorithm(Algorithm.SLIDING_LOG)              // exact: the 6th upload in any 24 h is refused
                .store(store)
                .namespace("uploads")
                .failurePolicy(FailurePolicy.deny())           // DynamoDB unreachable: no upload
                .timeSource(time)
                .build();
    }

    /**
     * Spends one upload of {@code userId}. When denied, {@link Decision#retryAfter()} is the exact time until the
     * oldest of the last 5 uploads is 24 hours old.
     *
     * @throws IllegalArgumentException if the user id is empty
     */
    public Decision tryUpload(String userId) {
        return limiter.tryAcquire(userId);
    }

    /** Tries 6 uploads for one user against {@code args[0]} (a table) at AWS or at the endpoint {@code args[1]}. */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: UploadLimiter TABLE [ENDPOINT]");
            System.exit(2);
        }
        var builder = DynamoDbClient.builder();
        if (args.length > 1) {
            builder.endpointOverride(URI.create(args[1]));
        }
        try (DynamoDbClient dynamo = builder.build()) {
            DynamoDbStore.createTable(dynamo, args[0]);
            DynamoDbStore store = DynamoDbStore.builder(dynamo).tableName(args[0]).build();
            run(new UploadLimiter(store, TimeSource.system()), "user-" + System.currentTimeMillis());
        }
    }

    /** Tries 6 uploads for {@code userId} and prints each decision. */
    static void run(UploadLimiter uploads, String userId) {
        System.out.println("5 uploads per user per 24 hours, counted in DynamoDB:");
        for (int i = 1; i <= 6; i++) {
            Decision d = uploads.tryUpload(userId);
            if (d.allowed()) {
                System.out.printf("  upload %d of %s: accepted, %d left today%n", i, userId, d.remaining());
            } else {
                System.out.printf("  upload %d of %s: REFUSED (%s), retry after %s%n", i, userId, d.reason(),
                        d.retryAfter());
            }
        }
    }
}
