package dev.ratelimit.http;

import java.time.Duration;

/**
 * Where an engine's configuration comes from: the text of the properties schema of CONFIG.md, with a version, read
 * from a file, a Redis key, a DynamoDB item or anything else. Give one to {@link RateLimitEngine.Builder#configSource};
 * the engine reads it once when it is built (a source that cannot be read, or an invalid text, fails the build), then
 * learns of changes in two ways:
 * <ul>
 *   <li><b>push</b>: a source that can tell of a change calls the {@code changed} callback given to
 *       {@link #subscribe}; the engine then reads the source at once, on its own thread;</li>
 *   <li><b>poll</b>: the engine also reads the source every {@link #pollInterval()}, so a missed or unavailable push
 *       delays a change by at most that interval.</li>
 * </ul>
 * A changed text is parsed by the same parser as a file ({@link ConfigText#parse()}). A text that is invalid never
 * replaces a valid one: the configuration in force stays, the engine logs one error naming the source and the key
 * (once per bad text, not once per poll), and counts it in {@link RateLimitEngine#configStatus()}. A source that
 * cannot be read is logged (at most once per 10 s) and counted the same way, and the configuration in force stays.
 *
 * <p>SPI: implemented by the file source of this module ({@link RateLimitEngine.Builder#configLocation}) and by
 * {@code ratelimit-config} (Redis, DynamoDB). Implementations must be thread-safe: the engine reads from its own
 * thread while the push callback may come from another.
 */
public interface ConfigSource extends AutoCloseable {

    /** The poll interval of a source that does not say otherwise. */
    Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

    /**
     * Where the configuration comes from, for logs and errors, such as {@code redis://host:6379 key ratelimit:config}.
     *
     * @return a description naming the place (never a password)
     */
    String name();

    /**
     * Reads the configuration in force at the source now.
     *
     * @return the text and its version; never null
     * @throws RuntimeException if the source cannot be read or holds no configuration; the message names the source
     */
    ConfigText read();

    /**
     * How often the engine reads the source; the bound on how late a change arrives when no push does.
     *
     * @return a positive interval; {@link #DEFAULT_POLL_INTERVAL} unless the source says otherwise
     */
    default Duration pollInterval() {
        return DEFAULT_POLL_INTERVAL;
    }

    /**
     * Asks to be told of changes. The source calls {@code changed} (from any thread, possibly more often than the
     * text changes, and also after a lost connection to the push channel is back) whenever the text may have
     * changed; the callback only schedules a read and returns at once. A source without push does nothing.
     *
     * @param changed what to call on a possible change; thread-safe
     * @return whether the source pushes (false: the engine relies on polling alone)
     */
    default boolean subscribe(Runnable changed) {
        return false;
    }

    /** Stops pushing and releases what the source holds (threads, connections it made); it is not read again. */
    @Override
    default void close() {
    }
}
