package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.mock.env.MockEnvironment;

/** Spring's spellings of one key become the engine's one spelling. */
class EnvironmentPropertiesTest {

    private static final List<String> TEMPLATES = List.of("policies", "excludes", "trustedProxies",
            "trustedProxies.header", "reload", "defaultPlan", "store", "policy.*.key", "policy.*.limits",
            "policy.*.plans", "policy.*.refundOnStatus", "plan.*.limits", "planKeys.*");

    private static MockEnvironment yaml() throws IOException {
        MockEnvironment environment = new MockEnvironment();
        for (PropertySource<?> source : new YamlPropertySourceLoader().load("test",
                new ClassPathResource("env-test.yml"))) {
            environment.getPropertySources().addLast(source);
        }
        return environment;
    }

    @Test
    void yamlListsMapsAndRelaxedNamesBecomeTheEngineKeys() throws IOException {
        EnvironmentProperties read = new EnvironmentProperties(yaml(), TEMPLATES, Set.of("store"));
        Properties p = read.engineProperties();

        assertThat(p).containsEntry("ratelimit.policies", "global,perKey")
                .containsEntry("ratelimit.excludes", "/actuator/**")
                .containsEntry("ratelimit.trustedProxies", "10.0.0.0/8,::1")
                .containsEntry("ratelimit.trustedProxies.header", "Forwarded")
                .containsEntry("ratelimit.policy.global.key", "constant:all")
                .containsEntry("ratelimit.policy.global.limits", "2000/1s")
                .containsEntry("ratelimit.policy.perKey.key", "header:X-API-Key")
                .containsEntry("ratelimit.policy.perKey.plans", "true")
                .containsEntry("ratelimit.policy.perKey.refundOnStatus", "500-599")
                .containsEntry("ratelimit.plan.basic.limits", "100/1s,10000/1d")
                .containsEntry("ratelimit.planKeys.basic", "k1,k2")
                .containsEntry("ratelimit.defaultPlan", "basic")
                .containsEntry("ratelimit.reload", "off")
                // unknown keys go on as written, for the engine to refuse by name; the starter's own keys do not
                .containsEntry("ratelimit.mystery-key", "1")
                .doesNotContainKey("ratelimit.store");
        assertThat(p).hasSize(14);
        assertThat(read.origin("ratelimit.policy.global.limits")).contains("env-test.yml");
        assertThat(read.origin("ratelimit.policies")).contains("env-test.yml");
    }

    @Test
    void aHigherSourceReplacesAWholeListAndPropertiesSyntaxWorks() throws IOException {
        MockEnvironment environment = yaml();
        environment.getPropertySources().addFirst(new MapPropertySource("override", java.util.Map.of(
                "ratelimit.policies", "global", "ratelimit.policy.perKey.limits", "5/1s, 10/1m")));
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("systemEnvironment",
                java.util.Map.of("RATELIMIT_DEFAULTPLAN", "none")));
        environment.setProperty("RELOAD_FOR_TEST", "30s");
        Properties p = new EnvironmentProperties(environment, TEMPLATES, Set.of("store")).engineProperties();

        assertThat(p).containsEntry("ratelimit.policies", "global")
                .containsEntry("ratelimit.policy.perKey.limits", "5/1s, 10/1m")   // as written: the engine splits it
                .containsEntry("ratelimit.defaultPlan", "none")
                .containsEntry("ratelimit.reload", "30s");
    }
}
