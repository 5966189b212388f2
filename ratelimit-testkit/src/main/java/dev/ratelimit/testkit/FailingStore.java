package dev.ratelimit.testkit;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.util.List;
import java.util.Objects;

/**
 * A store whose every call fails with a {@link StoreException}, standing in for an outage when you test what your
 * code does under a limiter's {@link dev.ratelimit.FailurePolicy}. {@link #failing(String)} gives one with your
 * message. Thread-safe.
 */
public final class FailingStore implements RateLimitStore {

    private final String message;

    private FailingStore(String message) {
        this.message = message;
    }

    /**
     * A store failing with the message "store unavailable".
     *
     * @return a new failing store
     */
    public static FailingStore create() {
        return new FailingStore("store unavailable");
    }

    /**
     * A store failing with {@code message}.
     *
     * @param message the message of every {@link StoreException} it throws, such as "connection refused"
     * @return a new failing store
     * @throws NullPointerException if message is null
     */
    public static FailingStore failing(String message) {
        return new FailingStore(Objects.requireNonNull(message, "message"));
    }

    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        return new StoreBinding() {
            @Override
            public Decision tryAcquire(String key, long permits, long nowMicros) {
                throw new StoreException(message);
            }

            @Override
            public Decision adjust(String key, long delta, long nowMicros) {
                throw new StoreException(message);
            }

            @Override
            public Decision peek(String key, long nowMicros) {
                throw new StoreException(message);
            }

            @Override
            public void reset(String key) {
                throw new StoreException(message);
            }
        };
    }

    @Override
    public String toString() {
        return "FailingStore{" + message + '}';
    }
}
