package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.http.ConfigException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** A bad property's start-up failure is reported by key, through Spring Boot's failure analysis. */
class ConfigFailureAnalyzerTest {

    @Test
    void isRegisteredAndNamesTheKey() {
        // Boot's own analyzers need constructor arguments Spring Boot passes; skip them here
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class, null,
                SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { })))
                .anyMatch(ConfigFailureAnalyzer.class::isInstance);
        ConfigException cause = new ConfigException("Spring environment", "ratelimit.policy.api.limits",
                "ratelimit.policy.api.limits=100 per minute: Cannot parse limit", null);
        FailureAnalysis analysis = new ConfigFailureAnalyzer().analyze(
                new BeanCreationException("rateLimitConfig", "failed", cause));
        assertThat(analysis.getDescription()).contains("ratelimit.policy.api.limits=100 per minute");
        assertThat(analysis.getAction()).startsWith("Correct ratelimit.policy.api.limits");
    }
}
