package dev.ratelimit.examples.uploads;

import dev.ratelimit.TimeSource;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.testservers.DynamoDbLocal;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Runs the upload limiter against DynamoDB Local started in this JVM: nothing to install.
 *
 * <p>Run: {@code mvn -q -pl examples -am test-compile exec:java -Dexec.classpathScope=test
 * -Ddemo.mainClass=dev.ratelimit.examples.uploads.UploadsOnDynamoDbLocal}
 */
public final class UploadsOnDynamoDbLocal {

    public static void main(String[] args) throws Exception {
        try (DynamoDbLocal local = DynamoDbLocal.start(); DynamoDbClient dynamo = local.client()) {
            DynamoDbStore.createTable(dynamo, "uploads");
            DynamoDbStore store = DynamoDbStore.builder(dynamo).tableName("uploads").build();
            UploadLimiter.run(new UploadLimiter(store, TimeSource.system()), "alice");
        }
    }

    private UploadsOnDynamoDbLocal() {
    }
}
