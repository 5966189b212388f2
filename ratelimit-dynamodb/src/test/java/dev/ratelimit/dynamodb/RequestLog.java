package dev.ratelimit.dynamodb;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records the operation name of every HTTP request an SDK client sends (each attempt, so the SDK's own retries
 * count too). Thread-safe.
 */
final class RequestLog implements ExecutionInterceptor {

    private final ConcurrentLinkedQueue<String> sent = new ConcurrentLinkedQueue<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        sent.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    /** The operations sent since the last {@link #clear()}, in order. */
    List<String> operations() {
        return new ArrayList<>(sent);
    }

    int count() {
        return sent.size();
    }

    void clear() {
        sent.clear();
    }
}
