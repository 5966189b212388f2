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
}
