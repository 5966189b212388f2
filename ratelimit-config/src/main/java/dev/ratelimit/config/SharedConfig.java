package dev.ratelimit.config;

import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.ConfigText;
import java.util.Optional;

/**
 * A configuration shared by a fleet: one text of the properties schema with a version (a counter that starts at 1
 * with the first publish and goes up by one with each), held in a store every instance reads. It is the engine's
 * {@link ConfigSource} on each instance, and what a {@link ConfigPublisher} writes to.
 *
 * <p>Implemented by {@link RedisSharedConfig} and {@link DynamoDbSharedConfig}. Implementations are thread-safe.
 */
public interface SharedConfig extends ConfigSource {

    /**
     * The configuration in the store now, or empty if none was ever published.
     *
     * @return the text, its version and {@link #name()}
     * @throws ConfigStoreException if the store cannot be reached or holds an item that is not a configuration
     */
    Optional<ConfigText> current();

    /**
     * Writes {@code text} as version {@code expectedVersion + 1} if the version in the store is
     * {@code expectedVersion} (0: nothing is published yet), atomically, and tells the instances that push is
     * available to. Does not validate the text: {@link ConfigPublisher#publish} does, and is the way to publish.
     *
     * @param expectedVersion the version the writer last saw; 0 if none
     * @param text the new text
     * @return what is now in the store
     * @throws VersionConflictException if the version in the store is another; it names that version
     * @throws ConfigStoreException if the store cannot be reached
     * @throws IllegalArgumentException if expectedVersion is negative
     */
    ConfigText compareAndSet(long expectedVersion, String text);

    /**
     * The configuration in the store now, for the engine.
     *
     * @return the text and its version
     * @throws ConfigStoreException if the store cannot be reached or holds no configuration yet
     */
    @Override
    default ConfigText read() {
        return current().orElseThrow(() -> new ConfigStoreException(name() + " holds no configuration; publish one"
                + " first (ConfigPublisher.publish or the ratelimit-config command-line tool)", null));
    }
}
