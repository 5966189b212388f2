package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.http.RateLimitConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;

/**
 * One source, {@link RateLimitProperties} (read by {@link ConfigKeys}), against everything else that names the keys:
 * the engine (which refuses unknown keys), the servlet filter's CONFIG.md, this module's README and the generated
 * {@code spring-configuration-metadata.json}.
 */
class ConfigurationMetadataTest {

    /** A key table's row: the first cell is one key and nothing else. */
    private static final Pattern KEY_ROW = Pattern.compile("^\\| `ratelimit\\.[^`]+` \\|");
    private static final Pattern CELL_SPLIT = Pattern.compile("(?<!\\\\)\\|");

    /** Key (with NAME) -> [type, default, example], from the rows of a markdown file's key tables. */
    private static Map<String, List<String>> table(Path file) throws Exception {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
            if (!KEY_ROW.matcher(line).find()) {
                continue;
            }
            String[] cells = CELL_SPLIT.split(line);
            String key = cells[1].trim().replace("`", "");
            rows.put(key, List.of(cells[2].trim(), cells[3].trim(), cells[4].trim()));
        }
        return rows;
    }

    private static String template(String key) {
        return key.substring("ratelimit.".length()).replace("NAME", "*");
    }

    private static List<String> engineKeys() {
        return ConfigKeys.ALL.stream().filter(k -> !ConfigKeys.STARTER.contains(k)).toList();
    }

    @Test
    void theReadmeListsEveryKeyAndCopiesConfigMdForTheEnginesKeys() throws Exception {
        Map<String, List<String>> readme = table(Path.of("README.md"));
        Map<String, List<String>> config = table(Path.of("../ratelimit-servlet/CONFIG.md"));

        assertThat(readme.keySet().stream().map(ConfigurationMetadataTest::template))
                .containsExactlyInAnyOrderElementsOf(ConfigKeys.ALL);
        assertThat(config.keySet().stream().map(ConfigurationMetadataTest::template))
                .containsExactlyInAnyOrderElementsOf(engineKeys());
        config.forEach((key, cells) -> assertThat(readme.get(key)).as(key).isEqualTo(cells));
    }

    @Test
    void theEngineAcceptsEveryKeyWithItsExample() throws Exception {
        Map<String, List<String>> readme = table(Path.of("README.md"));
        List<String> checked = new ArrayList<>();
        readme.forEach((key, cells) -> {
            if (ConfigKeys.STARTER.contains(template(key)) || key.equals("ratelimit.policies")) {
                return;
            }
            String k = key.replace("NAME", "basic");
            Properties p = new Properties();
            p.setProperty("ratelimit.policies", "basic");
            p.setProperty("ratelimit.policy.basic.key", "ip");
            p.setProperty("ratelimit.policy.basic.limits", "1000/1s");
            p.setProperty("ratelimit.plan.basic.limits", "1000/1s");
            if (k.equals("ratelimit.policy.basic.plans")) {
                p.remove("ratelimit.policy.basic.limits");
            }
            if (k.equals("ratelimit.policy.basic.penalty")) {
                p.setProperty("ratelimit.policy.basic.penaltyOnStatus", "401");
            }
            p.setProperty(k, cells.get(2).replace("`", ""));
            assertThat(RateLimitConfig.parse(p).policies()).as(k).hasSize(1);
            checked.add(k);
        });
        assertThat(checked).hasSize(engineKeys().size() - 1);
    }

    @Test
    void theGeneratedMetadataHasEveryKeyAndTheStarterDefaults() throws Exception {
        Map<String, ConfigurationMetadataProperty> metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = ConfigurationMetadataRepositoryJsonBuilder.create(in).build().getAllProperties();
        }
        for (String template : ConfigKeys.ALL) {
            String name = "ratelimit." + dashed(template);
            if (template.contains("*")) {
                // a map: IDEs complete the entries from the value type, a record of RateLimitProperties
                String map = name.substring(0, name.indexOf(".*"));
                assertThat(metadata).as(template).containsKey(map);
                assertThat(metadata.get(map).getType()).as(template).startsWith("java.util.Map<java.lang.String,");
            } else {
                assertThat(metadata).as(template).containsKey(name);
                assertThat(metadata.get(name).getDescription()).as(template).isNotBlank();
            }
        }
        Map<String, List<String>> readme = table(Path.of("README.md"));
        for (String starter : ConfigKeys.STARTER) {
            Object value = metadata.get("ratelimit." + dashed(starter)).getDefaultValue();
            String shown = value instanceof Object[] array ? String.join(",", java.util.Arrays.stream(array)
                    .map(String::valueOf).toList()) : String.valueOf(value);
            assertThat(readme.get("ratelimit." + starter).get(1)).as(starter).isEqualTo("`" + shown + "`");
        }
    }

    private static String dashed(String template) {
        StringBuilder out = new StringBuilder();
        for (char c : template.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }
}
