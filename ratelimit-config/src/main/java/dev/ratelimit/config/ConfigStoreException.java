package dev.ratelimit.config;

/**
 * The configuration store cannot be used: it cannot be reached, timed out, or holds something that is not a
 * configuration. The message names the store (its {@link SharedConfig#name()}) and the cause. The command-line tool
 * exits with 3 on it.
 *
 * <p>Immutable and thread-safe.
 */
public class ConfigStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An error.
     *
     * @param message what failed, naming the store
     * @param cause the client's exception, or null
     */
    public ConfigStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
