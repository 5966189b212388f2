package dev.ratelimit.spring;

import dev.ratelimit.http.ConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a rate-limit configuration error at start-up into Spring Boot's "APPLICATION FAILED TO START" report: the
 * description is the engine's message (key, value, where it was set), the action names the key to correct.
 *
 * <p>Stateless and thread-safe.
 */
final class ConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        String key = cause.key() == null ? "the ratelimit.* properties" : cause.key();
        return new FailureAnalysis("The rate limit configuration is invalid: " + cause.getMessage(),
                "Correct " + key + " (every key is listed in ratelimit-spring-boot-starter's README and in the"
                        + " metadata your IDE completes from).", cause);
    }
}
