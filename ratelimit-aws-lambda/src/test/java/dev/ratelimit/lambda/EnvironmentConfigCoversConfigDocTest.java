package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every key of the engine's configuration reference (CONFIG.md) has an environment variable that maps back to it,
 * so a key added to the engine without its words here fails this build rather than a deployed function.
 */
class EnvironmentConfigCoversConfigDocTest {

    private static final Pattern KEY_ROW = Pattern.compile("^\\| `(ratelimit\\.[A-Za-z0-9.]+)`", Pattern.MULTILINE);

    @Test
    void everyDocumentedKeyHasAVariable() throws IOException {
        String doc = Files.readString(configDoc());
        Matcher m = KEY_ROW.matcher(doc);
        List<String> keys = new ArrayList<>();
        while (m.find()) {
            keys.add(m.group(1).replace(".NAME.", ".perKey.").replaceAll("\\.NAME$", ".premium"));
        }

        assertThat(keys).hasSizeGreaterThan(20).contains("ratelimit.policies", "ratelimit.policy.perKey.limits");
        for (String key : keys) {
            assertThat(EnvironmentConfig.key(EnvironmentConfig.variable(key))).as(key).isEqualTo(key);
        }
    }

    private static Path configDoc() {
        for (String candidate : new String[] {"../ratelimit-http/CONFIG.md", "../ratelimit-servlet/CONFIG.md"}) {
            Path path = Path.of(candidate);
            if (Files.exists(path)) {
                return path;
            }
        }
        throw new IllegalStateException("CONFIG.md not found next to this module");
    }
}
