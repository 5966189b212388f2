package dev.ratelimit.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters behind {@link ConfigStatus}: the version in force, rejected texts, failed reads and the latest error.
 * Thread-safe: counters are atomic, the rest volatile; a status is a snapshot that may mix two moments.
 */
final class ConfigHealth {

    private final String source;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong readFailures = new AtomicLong();
    private volatile String version = "-";
    private volatile String lastError;

    ConfigHealth(String source) {
        this.source = source;
    }

    void installed(String newVersion) {
        version = newVersion;
        lastError = null;
    }

    void rejected(String message) {
        rejected.incrementAndGet();
        lastError = message;
    }

    void readFailed(String message) {
        readFailures.incrementAndGet();
        lastError = message;
    }

    String version() {
        return version;
    }

    ConfigStatus status() {
        return new ConfigStatus(source, version, rejected.get(), readFailures.get(), lastError);
    }
}
