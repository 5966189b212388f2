package dev.ratelimit.lambda;

import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.spi.RateLimitStore;
import java.net.URI;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * Builds the DynamoDB store of {@code ratelimit.store=dynamodb}. A class of its own so that a function on the
 * in-memory store never loads the AWS SDK (the dependency is optional). Stateless.
 */
final class DynamoDbStores {

    private DynamoDbStores() {
    }

    /**
     * A store on a new client (region and credentials from the Lambda environment: {@code AWS_REGION} and the
     * function's role). The table is checked once, here, at the cold start. The caller closes both.
     */
    static Built create(FunctionSettings config) {
        DynamoDbClientBuilder clientBuilder = DynamoDbClient.builder();
        if (config.endpoint != null) {
            clientBuilder.endpointOverride(URI.create(config.endpoint));
        }
        DynamoDbClient client = clientBuilder.build();
        try {
            DynamoDbStore.Builder builder = DynamoDbStore.builder(client).tableName(config.table);
            if (config.timeout != null) {
                builder.timeout(config.timeout);
            }
            if (config.keyPrefix != null) {
                builder.keyPrefix(config.keyPrefix);
            }
            return new Built(builder.build(), client);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The store and the client it runs on. */
    record Built(RateLimitStore store, AutoCloseable client) {
    }
}
