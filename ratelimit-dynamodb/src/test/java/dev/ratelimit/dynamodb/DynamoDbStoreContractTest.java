package dev.ratelimit.dynamodb;

import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.RateLimitStoreContract;
import dev.ratelimit.testkit.StoreBounds;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The DynamoDB store passes the contract suite, against DynamoDB Local over HTTP. */
class DynamoDbStoreContractTest extends RateLimitStoreContract {

    private static DynamoDbLocal local;
    private static DynamoDbClient client;
    private static DynamoDbStore store;

    @BeforeAll
    static void startDynamoDb() {
        local = DynamoDbLocal.start();
        client = local.client();
        // TTL off: the suite's fake clock starts in the past, and the TTL sweeper would delete live items.
        TestTables.createTableWithoutTtl(client, "contract");
        store = DynamoDbStore.builder(client).tableName("contract").callerTime()
                // Generous: a loaded build machine can stall DynamoDB Local for over the 1 s default.
                .timeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stopDynamoDb() {
        client.close();
        local.close();
    }

    @Override
    protected RateLimitStore store() {
        return store;
    }

    /** The core bounds, but a sliding log of at most {@link DynamoDbStore#MAX_SLIDING_LOG_PERMITS} (one item). */
    @Override
    protected StoreBounds storeBounds() {
        return StoreBounds.core().withMaxSlidingLogPermits(DynamoDbStore.MAX_SLIDING_LOG_PERMITS);
    }
}
