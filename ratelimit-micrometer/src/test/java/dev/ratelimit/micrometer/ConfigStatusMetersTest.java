package dev.ratelimit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.ConfigText;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.testkit.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ConfigStatusMetersTest {

    private static final String GOOD = """
            ratelimit.policies=global
            ratelimit.policy.global.key=constant:all
            ratelimit.policy.global.limits=%s
            """;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** A configuration source held in memory, as a shared store would hold it; changed by the test. */
    private static final class MemorySource implements ConfigSource {
        private volatile ConfigText text;
        private volatile boolean unreadable;

        MemorySource(String limits, String version) {
            set(limits, version);
        }

        void set(String limits, String version) {
            text = new ConfigText(GOOD.formatted(limits), version, name());
        }

        @Override
        public String name() {
            return "memory key cfg";
        }

        @Override
        public ConfigText read() {
            if (unreadable) {
                throw new IllegalStateException("memory key cfg is unreachable");
            }
            return text;
        }
    }

    private double version() {
        return registry.get("ratelimit.config.version").tag("source", "memory key cfg").gauge().value();
    }

    private double errors(String reason) {
        return registry.get("ratelimit.config.errors").tag("source", "memory key cfg").tag("reason", reason)
                .functionCounter().count();
    }

    @Test
    void theVersionInForceAndTheRefusedAndUnreadableConfigurations() {
        MemorySource source = new MemorySource("10/1s", "1");
        try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(new FakeClock()).configSource(source)
                .build()) {
            ConfigStatusMeters meters = ConfigStatusMeters.of(engine::configStatus);
            meters.bindTo(registry);
            assertThat(version()).isEqualTo(1.0);
            assertThat(errors("rejected")).isZero();
            assertThat(errors("unreadable")).isZero();

            source.set("20/1s", "2");
            engine.reloadConfiguration();
            assertThat(version()).isEqualTo(2.0);

            source.set("twenty per second", "3");
            engine.reloadConfiguration();
            engine.reloadConfiguration(); // the same bad text again counts once
            assertThat(version()).as("the last good version stays").isEqualTo(2.0);
            assertThat(errors("rejected")).isEqualTo(1.0);

            source.unreadable = true;
            engine.reloadConfiguration();
            assertThat(errors("unreadable")).isEqualTo(1.0);

            meters.close();
            assertThat(registry.find("ratelimit.config.version").meters()).isEmpty();
            assertThat(registry.find("ratelimit.config.errors").meters()).isEmpty();
        }
    }

    @Test
    void aVersionThatIsNotANumberIsNaN() {
        try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(new FakeClock())
                .config(dev.ratelimit.http.RateLimitConfig.parse(props())).build()) {
            ConfigStatusMeters.of(engine::configStatus).bindTo(registry);
            assertThat(registry.get("ratelimit.config.version").tag("source", "code").gauge().value()).isNaN();
            assertThat(registry.get("ratelimit.config.errors").tag("source", "code").tag("reason", "rejected")
                    .functionCounter().count()).isZero();
        }
    }

    @Test
    void nullsAreRefusedByName() {
        assertThatNullPointerException().isThrownBy(() -> ConfigStatusMeters.of(null)).withMessage("status");
        assertThatNullPointerException().isThrownBy(() -> ConfigStatusMeters.of(() -> null).bindTo(registry))
                .withMessageContaining("supplier returned null");
        assertThatNullPointerException().isThrownBy(() -> ConfigStatusMeters.of(() -> null).bindTo(null))
                .withMessage("registry");
    }

    private static java.util.Properties props() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("ratelimit.policies", "global");
        p.setProperty("ratelimit.policy.global.key", "constant:all");
        p.setProperty("ratelimit.policy.global.limits", "10/1s");
        return p;
    }
}
