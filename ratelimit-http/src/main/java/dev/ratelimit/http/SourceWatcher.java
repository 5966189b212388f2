package dev.ratelimit.http;

import dev.ratelimit.internal.ThrottledLog;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an engine's configuration in step with a {@link ConfigSource}: reads it on a push and every poll interval,
 * on one daemon thread of its own (so a slow store never delays a request), and puts a changed, valid text in force.
 * A text that is invalid is logged once as an error naming the source and key and counted; it is remembered, so the
 * next polls of the same bad text cost a read and nothing else.
 *
 * <p>Thread-safe: every read and install runs on the watcher's single thread (installs also take the engine's update
 * lock); a push only schedules a read, and pushes that arrive while one is pending are merged into it.
 */
final class SourceWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitEngine.class);

    private final ConfigSource source;
    private final Object lock;
    private final Consumer<RateLimitConfig> install;
    private final ConfigHealth health;
    private final ScheduledExecutorService thread;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile boolean closed;
    private final ThrottledLog readFailures = new ThrottledLog(LOG, 10_000_000_000L);
    /** The text in force and the last bad text; only the watcher's thread (or the constructor) touches them. */
    private String installedText;
    private String brokenText;

    /**
     * @param lock the engine's update lock, held while {@code install} runs
     * @param install compiles and puts a configuration in force; throws IllegalArgumentException if it cannot
     */
    SourceWatcher(ConfigSource source, Object lock, Consumer<RateLimitConfig> install) {
        this.source = source;
        this.lock = lock;
        this.install = install;
        this.health = new ConfigHealth(source.name());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ratelimit-config " + source.name());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads and parses the source for the engine's first configuration.
     *
     * @throws RuntimeException if the source cannot be read or its text is invalid, naming the source
     */
    Loaded first() {
        ConfigText text = source.read();
        return new Loaded(text, text.parse());
    }

    /** A text and its configuration. */
    record Loaded(ConfigText text, RateLimitConfig config) {
    }

    /** Puts the first configuration in force (caller holds the lock), then starts push and polling. */
    void start(Loaded first) {
        install.accept(first.config());
        installedText = first.text().text();
        health.installed(first.text().version());
        Duration interval = source.pollInterval();
        long micros = Math.max(1, interval.toNanos() / 1000);
        thread.scheduleWithFixedDelay(this::check, micros, micros, TimeUnit.MICROSECONDS);
        boolean pushes = source.subscribe(this::changed);
        LOG.info("Rate limit engine: configuration from {} version {}, {} every {}", source.name(),
                first.text().version(), pushes ? "pushed, and polled" : "polled", interval);
    }

    /** A push: schedules one read unless one is already waiting. */
    private void changed() {
        if (pending.compareAndSet(false, true)) {
            try {
                thread.execute(() -> {
                    pending.set(false);
                    check();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false); // closed
            }
        }
    }

    /** Reads the source and puts a changed, valid text in force; never throws. Runs on the watcher's thread. */
    private void check() {
        ConfigText text;
        try {
            text = source.read();
        } catch (RuntimeException e) {
            if (closed) {
                return; // a read cut short by close() is no failure of the source
            }
            String message = "could not read the configuration from " + source.name() + ": " + e.getMessage();
            health.readFailed(message);
            readFailures.warn("Rate limit engine: " + message + "; keeping version " + health.version(), e);
            return;
        }
        if (text.text().equals(installedText)) {
            if (!text.version().equals(health.version())) {
                health.installed(text.version()); // the same text published again: nothing to rebuild
            }
            return;
        }
        if (text.text().equals(brokenText)) {
            return;
        }
        try {
            RateLimitConfig config = text.parse();
            synchronized (lock) {
                install.accept(config);
            }
            installedText = text.text();
            brokenText = null;
            health.installed(text.version());
            LOG.info("Rate limit engine: configuration {} version {} in force: {} policies", source.name(),
                    text.version(), config.policies().size());
        } catch (RuntimeException e) {
            brokenText = text.text();
            String key = e instanceof ConfigException c && c.key() != null ? c.key() : "(no single key)";
            health.rejected(e.getMessage());
            LOG.error("Rate limit engine: configuration {} version {} is invalid at key {}; keeping version {}: {}",
                    source.name(), text.version(), key, health.version(), e.getMessage());
        }
    }

    /** Reads the source now, on the watcher's thread, and waits up to {@code timeout} for the read to finish. */
    void checkNow(Duration timeout) {
        try {
            thread.submit(this::check).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("reading the configuration from " + source.name() + " did not finish in "
                    + timeout, e);
        }
    }

    ConfigStatus status() {
        return health.status();
    }

    /** Stops polling and closes the source. */
    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        try {
            source.close();
        } catch (RuntimeException e) {
            LOG.warn("Rate limit engine: closing the configuration source {} failed", source.name(), e);
        }
    }
}
