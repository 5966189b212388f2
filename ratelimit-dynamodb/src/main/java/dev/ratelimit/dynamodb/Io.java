package dev.ratelimit.dynamodb;

import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The four DynamoDB calls a binding makes, with the store's throttling retries and failure mapping, on either
 * the synchronous client (every future is already complete when returned) or the asynchronous one. A failed
 * condition completes the future with the SDK's {@code ConditionalCheckFailedException}; every other failure with
 * a {@link StoreException}. Thread-safe.
 */
abstract class Io {

    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    final String table;
    final String endpoint;
    final int maxRetries;
    final long backoffNanos;
    /** Learns the service's time from every response; null when the store uses the caller's time. */
    final ServiceClock clock;
    /** For every request to this client: the store's timeout, and a {@link RefusalFailsFast} of its own. */
    final AwsRequestOverrideConfiguration override;

    Io(String table, String endpoint, int maxRetries, long backoffNanos, ServiceClock clock, Duration timeout) {
        this.override = AwsRequestOverrideConfiguration.builder().apiCallTimeout(timeout)
                .addPlugin(new RefusalFailsFast()).build();
        this.table = table;
        this.endpoint = endpoint;
        this.maxRetries = maxRetries;
        this.backoffNanos = backoffNanos;
        this.clock = clock;
    }

    long sent() {
        return clock == null ? 0 : clock.localMicros();
    }

    void observe(long sent, Object responseOrError) {
        if (clock != null) {
            clock.observe(sent, clock.localMicros(), responseOrError);
        }
    }

    abstract CompletableFuture<GetItemResponse> get(GetItemRequest request);

    abstract CompletableFuture<UpdateItemResponse> update(UpdateItemRequest request);

    abstract CompletableFuture<PutItemResponse> put(PutItemRequest request);

    abstract CompletableFuture<DeleteItemResponse> delete(DeleteItemRequest request);

    /** Exponential backoff with full jitter: a random wait up to {@code backoff x 2^retry}, capped at 1 s. */
    long backoff(int retry) {
        if (backoffNanos == 0) {
            return 0;
        }
        long ceiling = retry >= 30 ? MAX_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoffNanos << retry);
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    static Io sync(DynamoDbClient client, String table, String endpoint, int maxRetries, long backoffNanos,
            ServiceClock clock, Duration timeout) {
        return new SyncIo(client, table, endpoint, maxRetries, backoffNanos, clock, timeout);
    }

    static Io async(DynamoDbAsyncClient client, String table, String endpoint, int maxRetries, long backoffNanos,
            ServiceClock clock, Duration timeout) {
        return new AsyncIo(client, table, endpoint, maxRetries, backoffNanos, clock, timeout);
    }

    private static final class SyncIo extends Io {
        private final DynamoDbClient client;

        SyncIo(DynamoDbClient client, String table, String endpoint, int maxRetries, long backoffNanos,
                ServiceClock clock, Duration timeout) {
            super(table, endpoint, maxRetries, backoffNanos, clock, timeout);
            this.client = client;
        }

        @Override
        CompletableFuture<GetItemResponse> get(GetItemRequest request) {
            return call("GetItem", () -> client.getItem(request));
        }

        @Override
        CompletableFuture<UpdateItemResponse> update(UpdateItemRequest request) {
            return call("UpdateItem", () -> client.updateItem(request));
        }

        @Override
        CompletableFuture<PutItemResponse> put(PutItemRequest request) {
            return call("PutItem", () -> client.putItem(request));
        }

        @Override
        CompletableFuture<DeleteItemResponse> delete(DeleteItemRequest request) {
            return call("DeleteItem", () -> client.deleteItem(request));
        }

        private <R> CompletableFuture<R> call(String operation, Supplier<R> call) {
            for (int retry = 0;; retry++) {
                long sent = sent();
                try {
                    R response = call.get();
                    observe(sent, response);
                    return CompletableFuture.completedFuture(response);
                } catch (RuntimeException e) {
                    observe(sent, e);
                    if (retry < maxRetries && Failures.isThrottling(e)) {
                        sleep(backoff(retry), operation);
                        continue;
                    }
                    return CompletableFuture.failedFuture(Failures.map(table, endpoint, operation, e, retry));
                }
            }
        }

        private void sleep(long nanos, String operation) {
            if (nanos <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted while backing off from a throttled " + operation
                        + " on DynamoDB table '" + table + "'", e);
            }
        }
    }

    private static final class AsyncIo extends Io {
        private final DynamoDbAsyncClient client;

        AsyncIo(DynamoDbAsyncClient client, String table, String endpoint, int maxRetries, long backoffNanos,
                ServiceClock clock, Duration timeout) {
            super(table, endpoint, maxRetries, backoffNanos, clock, timeout);
            this.client = client;
        }

        @Override
        CompletableFuture<GetItemResponse> get(GetItemRequest request) {
            return call("GetItem", () -> client.getItem(request), 0);
        }

        @Override
        CompletableFuture<UpdateItemResponse> update(UpdateItemRequest request) {
            return call("UpdateItem", () -> client.updateItem(request), 0);
        }

        @Override
        CompletableFuture<PutItemResponse> put(PutItemRequest request) {
            return call("PutItem", () -> client.putItem(request), 0);
        }

        @Override
        CompletableFuture<DeleteItemResponse> delete(DeleteItemRequest request) {
            return call("DeleteItem", () -> client.deleteItem(request), 0);
        }

        private <R> CompletableFuture<R> call(String operation, Supplier<CompletableFuture<R>> call, int retry) {
            CompletableFuture<R> attempt;
            long sent = sent();
            try {
                attempt = call.get();
            } catch (RuntimeException e) {
                attempt = CompletableFuture.failedFuture(e);
            }
            return attempt.handle((response, error) -> {
                if (error == null) {
                    observe(sent, response);
                    return CompletableFuture.completedFuture(response);
                }
                Throwable cause = Failures.unwrap(error);
                observe(sent, cause);
                if (retry < maxRetries && Failures.isThrottling(cause)) {
                    Executor later = CompletableFuture.delayedExecutor(backoff(retry), TimeUnit.NANOSECONDS);
                    return CompletableFuture.supplyAsync(() -> call(operation, call, retry + 1), later)
                            .thenCompose(f -> f);
                }
                return CompletableFuture.<R>failedFuture(Failures.map(table, endpoint, operation, cause, retry));
            }).thenCompose(f -> f);
        }
    }
}
