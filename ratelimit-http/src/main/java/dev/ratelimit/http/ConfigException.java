package dev.ratelimit.http;

/**
 * A configuration that cannot be used: an invalid value, an unknown or renamed key, a key written twice, a file that
 * is missing or unreadable as properties. The message names the source (a file location such as
 * {@code classpath:ratelimit.properties}), the key and the value; {@link #source()} and {@link #key()} give the
 * first two for code. A configuration that fails is never put in force: the one before it stays.
 *
 * <p>Immutable and thread-safe.
 */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Where the configuration came from, or null. */
    private final String source;
    /** The full key at fault, or null. */
    private final String key;

    /**
     * An error.
     *
     * @param source where the configuration came from, such as {@code file:/etc/app/ratelimit.properties}, or null
     * @param key the full key at fault, such as {@code ratelimit.reload}, or null when no single key is
     * @param message the complete message, naming source, key and value
     * @param cause the underlying error, or null
     */
    public ConfigException(String source, String key, String message, Throwable cause) {
        super(message, cause);
        this.source = source;
        this.key = key;
    }

    /**
     * Where the configuration came from.
     *
     * @return the location or description given to the parser, or null if none was given
     */
    public String source() {
        return source;
    }

    /**
     * The key at fault.
     *
     * @return the full key, such as {@code ratelimit.policy.perIp.limits}, or null when the error is not about one
     *     key (a file that is missing or not a properties file)
     */
    public String key() {
        return key;
    }
}
