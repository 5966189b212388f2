package dev.ratelimit.config;

import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigText;
import dev.ratelimit.http.RateLimitConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * Publishes a configuration to a fleet: validates the text with the engine's own parser first, so a typo never
 * reaches an instance, then writes it with compare-and-set on the version, so two operators cannot overwrite each
 * other silently. The command-line tool ({@link ConfigTool}) is a thin shell over this class.
 *
 * <pre>{@code
 * ConfigPublisher publisher = new ConfigPublisher(RedisSharedConfig.builder(jedis).build());
 * ConfigText now = publisher.show().orElseThrow();
 * publisher.publish(edited, Long.parseLong(now.version()));   // VersionConflictException if someone was faster
 * }</pre>
 *
 * <p>Thread-safe (as safe as the store, which is).
 */
public final class ConfigPublisher {

    private final SharedConfig target;

    /**
     * A publisher to {@code target}.
     *
     * @param target where the fleet reads its configuration
     */
    public ConfigPublisher(SharedConfig target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Checks a text with the engine's parser, as every instance would.
     *
     * @param text the properties text
     * @param source where it came from, named in the error (a file name, {@code stdin})
     * @return the validated configuration
     * @throws ConfigException naming the source, the first bad key and its value
     */
    public static RateLimitConfig validate(String text, String source) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(source, "source");
        return new ConfigText(text, "", source).parse();
    }

    /**
     * Validates {@code text}, then writes it as the next version if the store is still at {@code expectedVersion}.
     *
     * @param text the properties text
     * @param expectedVersion the version this text was edited from ({@link #show()}); 0 for the first publish
     * @return what is now in the store, with its new version
     * @throws ConfigException if the text is invalid; nothing is written
     * @throws VersionConflictException if the store is at another version; nothing is written
     * @throws ConfigStoreException if the store cannot be reached
     */
    public ConfigText publish(String text, long expectedVersion) {
        validate(text, target.name() + " (to publish over version " + expectedVersion + ")");
        return target.compareAndSet(expectedVersion, text);
    }

    /**
     * The configuration in the store.
     *
     * @return the text and its version, or empty if nothing is published
     * @throws ConfigStoreException if the store cannot be reached
     */
    public Optional<ConfigText> show() {
        return target.current();
    }
}
