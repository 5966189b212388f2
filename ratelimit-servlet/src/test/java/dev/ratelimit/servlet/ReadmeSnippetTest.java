package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitConfig;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Keeps the root README's web.xml properties example honest: it parses to the configuration it describes. */
class ReadmeSnippetTest {

    @Test
    void theReadmePropertiesExampleParses() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("```properties\n");
        assertThat(start).as("a properties block in README.md").isPositive();
        int end = readme.indexOf("```", start + 14);
        Properties p = new Properties();
        p.load(new StringReader(readme.substring(start + 14, end)));

        RateLimitConfig config = RateLimitConfig.parse(p);

        assertThat(config.policies()).extracting(Policy::name).containsExactly("global", "perKey");
        assertThat(config.policies().get(0).limits()).containsExactly(Limit.parse("2000/1s"));
        assertThat(config.plans().plans().get("basic").limits())
                .containsExactly(Limit.parse("100/1s"), Limit.parse("10000/1d"));
        assertThat(config.plans().planFor("key-123").name()).isEqualTo("premium");
        assertThat(config.plans().planFor("any-other-key").name()).isEqualTo("basic");
    }
}
