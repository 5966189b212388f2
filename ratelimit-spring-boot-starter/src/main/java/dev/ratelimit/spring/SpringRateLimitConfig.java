package dev.ratelimit.spring;

import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.RateLimitConfig;
import org.springframework.core.env.Environment;

/**
 * Reads the engine's configuration from Spring's {@link Environment}: {@link EnvironmentProperties} flattens the
 * {@code ratelimit.*} keys, the engine parses and validates them, and an error gets the place the bad key was set.
 *
 * <p>Stateless and thread-safe.
 */
final class SpringRateLimitConfig {

    /** The source named in the engine's errors. */
    static final String SOURCE = "Spring environment";

    private SpringRateLimitConfig() {
    }

    /**
     * The configuration of {@code environment}.
     *
     * @throws ConfigException naming the key, its value and, when Spring knows it, where it was set
     */
    static RateLimitConfig read(Environment environment) {
        EnvironmentProperties properties = new EnvironmentProperties(environment, ConfigKeys.ALL, ConfigKeys.STARTER);
        try {
            return RateLimitConfig.parse(properties.engineProperties(), SOURCE);
        } catch (ConfigException e) {
            String origin = e.key() == null ? null : properties.origin(e.key());
            if (origin == null) {
                throw e;
            }
            throw new ConfigException(e.source(), e.key(), e.getMessage() + " (" + e.key() + " is set in " + origin
                    + ")", e);
        }
    }

    /**
     * Checks that {@code environment} sets none of the engine's keys when the configuration comes from a shared
     * source: two configurations, one of which would be silently ignored, stop the context instead.
     *
     * @throws IllegalStateException naming the first such key, where it is set, and the source
     */
    static void requireNoEngineKeys(Environment environment, String source) {
        EnvironmentProperties properties = new EnvironmentProperties(environment, ConfigKeys.ALL, ConfigKeys.STARTER);
        java.util.Properties keys = properties.engineProperties();
        if (keys.isEmpty()) {
            return;
        }
        String key = new java.util.TreeSet<>(keys.stringPropertyNames()).first();
        String origin = properties.origin(key);
        throw new IllegalStateException(SharedConfigSettings.CONFIG + " takes the rate-limit configuration from "
                + source + ", but the Spring environment also sets " + key
                + (origin != null ? " (in " + origin + ")" : "") + "; remove the engine's keys from the environment"
                + " (publish them to the shared source instead), or set ratelimit.config=environment");
    }
}
