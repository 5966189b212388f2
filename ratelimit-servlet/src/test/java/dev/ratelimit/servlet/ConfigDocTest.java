package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitConfig;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps CONFIG.md honest: every key its tables document is accepted by the parser with the documented example
 * value, and the complete properties example parses to the configuration it describes.
 */
class ConfigDocTest {

    /** A table cell: anything up to the next unescaped {@code |}. */
    private static final String CELL = "(?:\\\\\\||[^|])*";
    /** A key row: | `key` | type | default | `example` | ... */
    private static final Pattern KEY_ROW = Pattern.compile(
            "^\\| `(ratelimit\\.[^`]+)` \\|" + CELL + "\\|" + CELL + "\\| `([^`]*)` \\|");

    private static String doc() throws Exception {
        return Files.readString(Path.of("CONFIG.md"), StandardCharsets.UTF_8);
    }

    @Test
    void everyDocumentedKeyIsAcceptedWithItsExampleValue() throws Exception {
        List<String> checked = new ArrayList<>();
        for (String line : doc().split("\n")) {
            Matcher m = KEY_ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            String key = m.group(1).replace("NAME", "basic");
            String example = m.group(2);
            Properties p = new Properties();
            p.setProperty("ratelimit.policies", "basic");
            p.setProperty("ratelimit.policy.basic.key", "ip");
            p.setProperty("ratelimit.policy.basic.limits", "1000/1s");
            p.setProperty("ratelimit.plan.basic.limits", "1000/1s");
            if (key.equals("ratelimit.policies")) {
                continue; // the base above; its example lists policies defined elsewhere in the file
            }
            if (key.equals("ratelimit.policy.basic.plans")) {
                p.remove("ratelimit.policy.basic.limits");
            }
            if (key.equals("ratelimit.policy.basic.penalty")) {
                p.setProperty("ratelimit.policy.basic.penaltyOnStatus", "401");
            }
            p.setProperty(key, example);
            RateLimitConfig config = RateLimitConfig.parse(p);
            assertThat(config.policies()).hasSize(1);
            checked.add(key);
        }
        assertThat(checked).contains("ratelimit.excludes", "ratelimit.trustedProxies", "ratelimit.reload",
                "ratelimit.localDenyCache", "ratelimit.violationLog.rate", "ratelimit.policy.basic.refundOnStatus",
                "ratelimit.planKeys.basic", "ratelimit.headers.shadow", "ratelimit.ipv4Prefix",
                "ratelimit.ipv6Prefix", "ratelimit.maximumKeys").hasSizeGreaterThanOrEqualTo(28);
    }

    @Test
    void theCompletePropertiesExampleParses() throws Exception {
        String doc = doc();
        int start = doc.indexOf("```properties\n");
        int end = doc.indexOf("```", start + 14);
        Properties p = new Properties();
        p.load(new StringReader(doc.substring(start + 14, end)));
        RateLimitConfig config = RateLimitConfig.parse(p);
        assertThat(config.policies()).extracting(Policy::name)
                .containsExactly("global", "perIp", "perKey", "perKeyRoute", "login");
        assertThat(config.plans().plans().get("premium").limits())
                .containsExactly(Limit.parse("500/1s"), Limit.parse("100000/1d"));
        assertThat(config.plans().planFor("key-2001").name()).isEqualTo("premium");
        assertThat(config.plans().planFor("key-unknown").name()).isEqualTo("basic");
        assertThat(config.trustedProxies().blocks()).containsExactly("10.0.0.0/8", "fd00::/8");
        assertThat(config.policies().get(4).penaltyPermits()).isEqualTo(3);
        assertThat(config.policies().get(3).shadow()).isTrue();
        assertThat(config.localDenyCache()).isEqualTo(10000);
        assertThat(config.properties().getProperty("redis.uri")).isEqualTo("redis://redis.internal:6379");
    }
}
