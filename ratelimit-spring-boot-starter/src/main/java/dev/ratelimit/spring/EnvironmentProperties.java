package dev.ratelimit.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.boot.origin.Origin;

/**
 * Reads every {@code ratelimit.*} property of a Spring {@link Environment} into the flat {@link Properties} form
 * that the engine parses ({@code ratelimit.policy.perKey.limits=100/1s,10000/1d}).
 *
 * <p>Spring's sources spell one key several ways: YAML lists become {@code ratelimit.policies[0]}, relaxed names
 * allow {@code refund-on-status} for {@code refundOnStatus}, environment variables are upper case. Each key is
 * matched against the key templates of the schema ({@code policy.*.refundOnStatus}): a fixed segment is written in
 * the schema's spelling, a {@code *} segment (a policy or plan name) as the source wrote it. A key that matches no
 * template is passed on as written, so that the engine refuses it by name. Lists are joined with commas; values
 * go through Spring's placeholder resolution. The property source order decides, as everywhere in Spring: a
 * higher source's list replaces a lower one's whole.
 *
 * <p>Not thread-safe; used once per read.
 */
final class EnvironmentProperties {

    static final String PREFIX = "ratelimit";
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of(PREFIX);

    private final Environment environment;
    private final List<String[]> templates;
    private final Set<String> starterKeys;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** One engine key and where Spring has it. */
    private record Entry(ConfigurationPropertyName name, boolean list) {
    }

    /**
     * @param templates the schema's keys after {@code ratelimit.}, with {@code *} for a name segment
     * @param starterKeys the templates (of {@code templates}) that are the starter's own and not the engine's
     */
    EnvironmentProperties(Environment environment, List<String> templates, Set<String> starterKeys) {
        this.environment = environment;
        this.templates = templates.stream().map(t -> t.split("\\.")).toList();
        this.starterKeys = starterKeys;
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream().filter(ROOT::isAncestorOf).forEach(this::add);
            }
        }
    }

    private void add(ConfigurationPropertyName name) {
        int end = name.getNumberOfElements();
        while (end > 1 && name.isNumericIndex(end - 1)) {
            end--;
        }
        boolean list = end < name.getNumberOfElements();
        ConfigurationPropertyName base = name.chop(end);
        String key = engineKey(base);
        Entry known = entries.get(key);
        if (known == null || (list && !known.list())) {
            entries.put(key, new Entry(known == null ? base : known.name(), list || (known != null && known.list())));
        }
    }

    /** The engine's spelling of a Spring name below {@code ratelimit}, with the prefix. */
    private String engineKey(ConfigurationPropertyName name) {
        int n = name.getNumberOfElements() - 1;
        for (String[] template : templates) {
            if (template.length != n) {
                continue;
            }
            StringBuilder key = new StringBuilder(PREFIX);
            boolean match = true;
            for (int i = 0; i < n && match; i++) {
                String element = name.getElement(i + 1, Form.ORIGINAL);
                if (template[i].equals("*")) {
                    key.append('.').append(element);
                } else if (uniform(template[i]).equals(name.getElement(i + 1, Form.UNIFORM))) {
                    key.append('.').append(template[i]);
                } else {
                    match = false;
                }
            }
            if (match) {
                return key.toString();
            }
        }
        StringBuilder key = new StringBuilder(PREFIX);
        for (int i = 1; i <= n; i++) {
            key.append('.').append(name.getElement(i, Form.ORIGINAL));
        }
        return key.toString();
    }

    private static String uniform(String segment) {
        return segment.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    /** The engine's keys and values; the starter's own keys are left out. */
    Properties engineProperties() {
        Binder binder = Binder.get(environment);
        Properties properties = new Properties();
        entries.forEach((key, entry) -> {
            if (!isStarterKey(key)) {
                String value = value(binder, entry);
                if (value != null) {
                    properties.setProperty(key, value);
                }
            }
        });
        return properties;
    }

    private boolean isStarterKey(String key) {
        String rest = key.substring(PREFIX.length() + 1);
        return starterKeys.contains(rest);
    }

    private static String value(Binder binder, Entry entry) {
        if (entry.list()) {
            return binder.bind(entry.name(), Bindable.listOf(String.class))
                    .map(values -> String.join(",", values)).orElse(null);
        }
        return binder.bind(entry.name(), Bindable.of(String.class)).orElse(null);
    }

    /**
     * Where the engine key {@code key} was set, such as {@code class path resource [application.yml] - 4:13}, or
     * null when unknown.
     */
    String origin(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        List<ConfigurationPropertyName> candidates = new ArrayList<>();
        candidates.add(entry.name());
        if (entry.list()) {
            candidates.add(entry.name().append("[0]"));
        }
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            for (ConfigurationPropertyName candidate : candidates) {
                ConfigurationProperty property = source.getConfigurationProperty(candidate);
                if (property != null) {
                    Origin origin = property.getOrigin();
                    return origin != null ? origin.toString() : null;
                }
            }
        }
        return null;
    }
}
