package dev.ratelimit.http;

import dev.ratelimit.TimeSource;
import dev.ratelimit.internal.ThrottledLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine's configuration file and its reloading. It remembers the bytes in force, checks the file for a change at
 * most once per reload interval on the engine's clock (the first request after the interval does the check), and
 * hands a changed, valid configuration to the engine. A file that does not change costs one read per interval and
 * nothing else. A broken file is reported once per change, and the configuration in force stays.
 *
 * <p>As a {@link ConfigSource} it is polled by the requests themselves (no thread of its own, on the engine's clock,
 * as above); its version is the first 12 hex digits of the SHA-256 of the file's bytes.
 *
 * <p>Thread-safe: installs happen under the engine's update lock, and the interval check is one CAS, so one request
 * per interval reads the file.
 */
final class ConfigFile implements ConfigSource {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitEngine.class);

    /** A parsed configuration with the bytes it was parsed from. */
    record Content(RateLimitConfig config, byte[] bytes) {
    }

    private final String location;
    private final TimeSource time;
    private final Object lock;
    private final Consumer<RateLimitConfig> install;
    private final AtomicLong nextCheckMicros = new AtomicLong(Long.MAX_VALUE);
    private final ThrottledLog readFailures = new ThrottledLog(LOG, 10_000_000_000L);
    private final ConfigHealth health;
    private volatile long intervalMicros;
    private byte[] installed;
    private byte[] broken;

    /**
     * @param lock the engine's update lock, held while {@code install} runs
     * @param install compiles and puts a configuration in force; throws IllegalArgumentException if it cannot
     */
    ConfigFile(String location, TimeSource time, Object lock, Consumer<RateLimitConfig> install) {
        this.location = location;
        this.time = time;
        this.lock = lock;
        this.install = install;
        this.health = new ConfigHealth(location);
    }

    String location() {
        return location;
    }

    @Override
    public String name() {
        return location;
    }

    @Override
    public ConfigText read() {
        byte[] bytes = RateLimitConfig.read(location);
        return new ConfigText(new String(bytes, StandardCharsets.UTF_8), version(bytes), location);
    }

    @Override
    public Duration pollInterval() {
        long interval = intervalMicros;
        return interval > 0 ? Duration.ofNanos(interval * 1000) : DEFAULT_POLL_INTERVAL;
    }

    ConfigStatus status() {
        return health.status();
    }

    /** The first 12 hex digits of the SHA-256 of the bytes. */
    static String version(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Reads and parses the file.
     *
     * @throws IllegalArgumentException if it is missing or invalid, naming the location, key and value
     */
    Content load() {
        byte[] bytes = RateLimitConfig.read(location);
        return new Content(RateLimitConfig.parse(bytes, location), bytes);
    }

    /** Puts {@code content} in force and schedules the next check by its reload interval. */
    void install(Content content) {
        synchronized (lock) {
            try {
                install.accept(content.config());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("configuration " + location + ": " + e.getMessage(), e);
            }
            installed = content.bytes();
            broken = null;
            health.installed(version(content.bytes()));
            long interval = content.config().reloadInterval().isZero() ? 0
                    : Math.max(1, content.config().reloadInterval().toNanos() / 1000);
            intervalMicros = interval;
            nextCheckMicros.set(interval == 0 ? Long.MAX_VALUE : time.nowMicros() + interval);
        }
    }

    /** Whether the reload interval has passed since the last check (a read of the clock, nothing else). */
    boolean due() {
        long interval = intervalMicros;
        return interval > 0 && time.nowMicros() >= nextCheckMicros.get();
    }

    /** Re-reads the file if the interval has passed since the last check; never throws. */
    void checkIfDue() {
        long interval = intervalMicros;
        if (interval <= 0) {
            return;
        }
        long now = time.nowMicros();
        long due = nextCheckMicros.get();
        if (now < due || !nextCheckMicros.compareAndSet(due, now + interval)) {
            return;
        }
        byte[] bytes;
        try {
            bytes = RateLimitConfig.read(location);
        } catch (RuntimeException e) {
            health.readFailed("could not read " + location + ": " + e.getMessage());
            readFailures.warn("Rate limit engine: could not read " + location + "; keeping the current configuration",
                    e);
            return;
        }
        synchronized (lock) {
            if (Arrays.equals(bytes, installed) || Arrays.equals(bytes, broken)) {
                return;
            }
            try {
                apply(bytes);
            } catch (RuntimeException e) {
                health.rejected(e.getMessage());
                LOG.error("Rate limit engine: the changed {} is invalid; keeping the previous configuration: {}",
                        location, e.getMessage(), e);
            }
        }
    }

    /**
     * Re-reads the file now.
     *
     * @return whether it had changed (and is now in force)
     * @throws IllegalArgumentException if it is missing or the changed file is invalid
     */
    boolean reloadNow() {
        byte[] bytes = RateLimitConfig.read(location);
        synchronized (lock) {
            if (Arrays.equals(bytes, installed)) {
                return false;
            }
            apply(bytes);
            return true;
        }
    }

    /** Parses and installs changed bytes; remembers them as broken if they are invalid. Caller holds the lock. */
    private void apply(byte[] bytes) {
        Content content;
        try {
            content = new Content(RateLimitConfig.parse(bytes, location), bytes);
            install(content);
        } catch (RuntimeException e) {
            broken = bytes;
            throw e;
        }
        LOG.info("Rate limit engine: reloaded {}: {} policies", location, content.config().policies().size());
    }
}
