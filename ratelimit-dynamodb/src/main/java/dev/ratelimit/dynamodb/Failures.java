package dev.ratelimit.dynamodb;

import dev.ratelimit.spi.StoreException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Maps SDK failures to {@link StoreException}s whose messages name the table and say what went wrong. */
final class Failures {

    private Failures() {
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static boolean isThrottling(Throwable e) {
        return e instanceof ProvisionedThroughputExceededException
                || e instanceof RequestLimitExceededException
                || e instanceof AwsServiceException ase && ase.isThrottlingException();
    }

    /**
     * The exception a caller sees for {@code error}, raised by {@code operation} on {@code table} after
     * {@code retries} throttling retries. A failed condition passes through unchanged: it is an answer, not a
     * failure.
     */
    static Throwable map(String table, String operation, Throwable error, int retries) {
        Throwable e = unwrap(error);
        if (e instanceof ConditionalCheckFailedException || e instanceof StoreException) {
            return e;
        }
        String where = operation + " on DynamoDB table '" + table + "'";
        if (e instanceof ResourceNotFoundException) {
            return new StoreException(where + " failed: the table does not exist (create it with"
                    + " DynamoDbStore.createTable or as the module README shows)", e);
        }
        if (isThrottling(e)) {
            return new StoreException(where + " was throttled and still throttled after " + retries
                    + " retries by the store (on top of the client's own retries)", e);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new StoreException(where + " timed out: " + e.getMessage(), e);
        }
        if (e instanceof AwsServiceException ase) {
            String message = ase.awsErrorDetails() != null && ase.awsErrorDetails().errorMessage() != null
                    ? ase.awsErrorDetails().errorMessage() : ase.getMessage();
            String hint = message != null && message.contains("key") && message.contains("schema")
                    ? " (the table must have exactly one key: a String partition key named '" + ItemLayout.PK
                    + "', and no sort key)" : "";
            String what = ase.statusCode() >= 500 ? " failed in DynamoDB (HTTP " + ase.statusCode() + "): "
                    : " was rejected: ";
            return new StoreException(where + what + message + hint, e);
        }
        if (e instanceof SdkClientException) {
            return new StoreException(where + " failed in the client: " + e.getMessage(), e);
        }
        if (e instanceof SdkException) {
            return new StoreException(where + " failed: " + e.getMessage(), e);
        }
        return e;
    }
}
