package dev.ratelimit.dynamodb;

import dev.ratelimit.spi.StoreException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.SdkServiceClientConfiguration;
import software.amazon.awssdk.awscore.AwsServiceClientConfiguration;
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

    /** The first throwable of type {@code type} in the cause chain and suppressed exceptions of {@code e}. */
    static Throwable find(Throwable e, Class<? extends Throwable> type) {
        for (int depth = 0; e != null && depth < 16; e = e.getCause(), depth++) {
            if (type.isInstance(e)) {
                return e;
            }
            for (Throwable suppressed : e.getSuppressed()) {
                if (type.isInstance(suppressed) || type.isInstance(suppressed.getCause())) {
                    return type.isInstance(suppressed) ? suppressed : suppressed.getCause();
                }
            }
        }
        return null;
    }

    /** Where a client sends its requests, for messages: its endpoint override, or its region. */
    static String endpointOf(SdkClient client) {
        try {
            SdkServiceClientConfiguration config = client.serviceClientConfiguration();
            if (config.endpointOverride().isPresent()) {
                return config.endpointOverride().get().toString();
            }
            return config instanceof AwsServiceClientConfiguration aws && aws.region() != null
                    ? "the regional endpoint of " + aws.region() : "the default endpoint";
        } catch (RuntimeException e) {
            return "the client's endpoint";
        }
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
    static Throwable map(String table, String endpoint, String operation, Throwable error, int retries) {
        Throwable e = unwrap(error);
        if (e instanceof ConditionalCheckFailedException || e instanceof StoreException) {
            return e;
        }
        String where = operation + " on DynamoDB table '" + table + "' at " + endpoint;
        Throwable refused = find(e, ConnectException.class);
        if (refused != null) {
            return new StoreException(where + " failed: connection refused (" + refused.getMessage()
                    + "): is DynamoDB reachable at that address?", e);
        }
        Throwable unknownHost = find(e, UnknownHostException.class);
        if (unknownHost != null) {
            return new StoreException(where + " failed: unknown host (" + unknownHost.getMessage() + ")", e);
        }
        if (e instanceof ResourceNotFoundException) {
            return new StoreException(where + " failed: the table does not exist (create it with"
                    + " DynamoDbStore.createTable or as the module README shows)", e);
        }
        if (isThrottling(e)) {
            return new StoreException(where + " was throttled and still throttled after " + retries
                    + " retries by the store (on top of the client's own retries)", e);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new StoreException(where + " timed out (no answer within the store's timeout): "
                    + e.getMessage(), e);
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
