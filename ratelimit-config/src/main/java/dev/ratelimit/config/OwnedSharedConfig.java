package dev.ratelimit.config;

import dev.ratelimit.http.ConfigText;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shared configuration on a client it opened itself ({@link SharedConfigLocation#open}): everything as the
 * configuration it wraps, and {@link #close()} also closes the client, once. Thread-safe.
 */
final class OwnedSharedConfig implements SharedConfig {

    private static final Logger LOG = LoggerFactory.getLogger(OwnedSharedConfig.class);

    private final SharedConfig config;
    private final AutoCloseable client;
    /** Where the client connects, without credentials, for the log line of a failed close. */
    private final String where;
    private final AtomicBoolean closed = new AtomicBoolean();

    OwnedSharedConfig(SharedConfig config, AutoCloseable client, String where) {
        this.config = config;
        this.client = client;
        this.where = where;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Duration pollInterval() {
        return config.pollInterval();
    }

    @Override
    public Optional<ConfigText> current() {
        return config.current();
    }

    @Override
    public ConfigText compareAndSet(long expectedVersion, String text) {
        return config.compareAndSet(expectedVersion, text);
    }

    @Override
    public boolean subscribe(Runnable changed) {
        return config.subscribe(changed);
    }

    /** Stops the wrapped configuration, then closes the client; later calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            config.close();
        } finally {
            try {
                client.close();
            } catch (Exception e) {
                LOG.warn("Rate limit configuration: closing the client of {} ({}) failed", config.name(), where, e);
            }
        }
    }

    @Override
    public String toString() {
        return config.name();
    }
}
