package dev.ratelimit.spring;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The key templates of {@code ratelimit.*}, after the prefix, in the engine's spelling ({@code policy.*.limits}):
 * read from {@link RateLimitProperties}, the one source of the metadata IDEs see, plus the two keys that record
 * cannot express ({@code trustedProxies.header} and {@code violationLog.rate}, beside the lists of the same name).
 *
 * <p>Immutable and thread-safe.
 */
final class ConfigKeys {

    /** The starter's own keys: never passed to the engine. */
    static final Set<String> STARTER = Set.of("enabled", "store", "filter.order", "filter.urlPatterns",
            "dynamodb.tableName", "config", "configKey", "configPollInterval", "configPush", "configKeyAttribute");

    /** Keys beside a list of the same name, in additional-spring-configuration-metadata.json. */
    static final List<String> EXTRA = List.of("trustedProxies.header", "violationLog.rate");

    /** Every template, starter keys included. */
    static final List<String> ALL = templates();

    private ConfigKeys() {
    }

    private static List<String> templates() {
        List<String> keys = new ArrayList<>();
        for (RecordComponent c : RateLimitProperties.class.getRecordComponents()) {
            String name = c.getName();
            if (c.getType().isRecord()) {
                for (RecordComponent sub : c.getType().getRecordComponents()) {
                    keys.add(name + "." + sub.getName());
                }
            } else if (c.getType() == Map.class) {
                Type value = ((ParameterizedType) c.getGenericType()).getActualTypeArguments()[1];
                if (value instanceof Class<?> type && type.isRecord()) {
                    for (RecordComponent sub : type.getRecordComponents()) {
                        keys.add(name + ".*." + sub.getName());
                    }
                } else {
                    keys.add(name + ".*");
                }
            } else {
                keys.add(name);
            }
        }
        keys.addAll(EXTRA);
        return List.copyOf(keys);
    }
}
