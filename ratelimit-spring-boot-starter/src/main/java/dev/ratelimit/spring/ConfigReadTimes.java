package dev.ratelimit.spring;

import dev.ratelimit.TimeSource;
import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.ConfigText;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * When this instance put its configuration in force, for the actuator endpoint: the time the engine was built (a
 * configuration from the environment), or the time the source first returned each version (a shared source). The
 * engine reads a source and puts a changed, valid text in force in the same step on its watcher thread, so the
 * first read of the version in force is when it was applied. The times of the last {@value #REMEMBERED} versions read
 * are kept, so a later bad version does not hide the time of the good one still in force.
 *
 * <p>Thread-safe: reads come from the engine's watcher thread, queries from any thread.
 */
final class ConfigReadTimes {

    static final int REMEMBERED = 8;

    private final TimeSource time;
    private final Map<String, Instant> firstRead = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > REMEMBERED;
        }
    };
    private volatile Instant started;

    ConfigReadTimes(TimeSource time) {
        this.time = Objects.requireNonNull(time, "time");
    }

    /** Notes that the engine was built now (its first configuration is in force). */
    void started() {
        started = now();
    }

    /** {@code source}, noting when each version is first read. */
    ConfigSource track(ConfigSource source) {
        Objects.requireNonNull(source, "source");
        return new ConfigSource() {
            @Override
            public String name() {
                return source.name();
            }

            @Override
            public ConfigText read() {
                ConfigText text = source.read();
                synchronized (firstRead) {
                    firstRead.putIfAbsent(text.version(), now());
                }
                return text;
            }

            @Override
            public Duration pollInterval() {
                return source.pollInterval();
            }

            @Override
            public boolean subscribe(Runnable changed) {
                return source.subscribe(changed);
            }

            @Override
            public void close() {
                source.close();
            }

            @Override
            public String toString() {
                return source.toString();
            }
        };
    }

    /**
     * When {@code version} was put in force: when it was first read, or, for a version no source returned (the
     * environment's {@code -}), when the engine was built; null if unknown.
     */
    Instant appliedAt(String version) {
        Instant read;
        synchronized (firstRead) {
            read = firstRead.get(version);
        }
        return read != null ? read : started;
    }

    private Instant now() {
        long micros = time.nowMicros();
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }
}
