package dev.ratelimit.lambda;

import dev.ratelimit.Limit;
import dev.ratelimit.http.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the configuration of a {@link LambdaRateLimit}: the properties file, the environment on top of it, and this
 * module's own keys ({@code ratelimit.store*}, {@code ratelimit.metrics*}) taken out before the engine parses the
 * rest. Not thread-safe; used once per build.
 */
final class ConfigSource {

    static final String DEFAULT_LOCATION = "classpath:ratelimit.properties";

    /** Where the configuration came from, for error messages. */
    final String source;
    /** The engine's keys. */
    final Properties engineKeys = new Properties();
    /** Which key came from which variable. */
    final Map<String, String> variables = new java.util.HashMap<>();

    final String store;
    final String table;
    final String endpoint;
    final Duration timeout;
    final String keyPrefix;
    final boolean metrics;
    final String namespace;

    ConfigSource(Properties base, String baseSource, Map<String, String> environment) {
        Properties all = new Properties();
        all.putAll(base);
        Properties fromEnv = EnvironmentConfig.properties(environment);
        for (String key : fromEnv.stringPropertyNames()) {
            all.setProperty(key, fromEnv.getProperty(key));
            variables.put(key, EnvironmentConfig.variable(key));
        }
        this.source = fromEnv.isEmpty() ? baseSource : baseSource + " and the environment";
        String storeName = take(all, "ratelimit.store", "memory").toLowerCase(Locale.ROOT);
        if (!storeName.equals("memory") && !storeName.equals("dynamodb")) {
            throw bad("ratelimit.store", storeName, "expected memory or dynamodb");
        }
        this.store = storeName;
        this.table = take(all, "ratelimit.store.table", null);
        if (store.equals("dynamodb") && (table == null || table.isBlank())) {
            throw bad("ratelimit.store.table", table, "ratelimit.store=dynamodb needs the table name"
                    + " (environment variable RATELIMIT_STORE_TABLE)");
        }
        this.endpoint = take(all, "ratelimit.store.endpoint", null);
        String timeoutText = take(all, "ratelimit.store.timeout", null);
        this.timeout = timeoutText == null ? null : duration("ratelimit.store.timeout", timeoutText);
        this.keyPrefix = take(all, "ratelimit.store.keyPrefix", null);
        if (store.equals("memory")) {
            onlyWithDynamoDb("ratelimit.store.table", table);
            onlyWithDynamoDb("ratelimit.store.endpoint", endpoint);
            onlyWithDynamoDb("ratelimit.store.timeout", timeoutText);
            onlyWithDynamoDb("ratelimit.store.keyPrefix", keyPrefix);
        }
        String metricsName = take(all, "ratelimit.metrics", "emf").toLowerCase(Locale.ROOT);
        if (!metricsName.equals("emf") && !metricsName.equals("off")) {
            throw bad("ratelimit.metrics", metricsName, "expected emf or off");
        }
        this.metrics = metricsName.equals("emf");
        this.namespace = take(all, "ratelimit.metrics.namespace", EmbeddedMetrics.DEFAULT_NAMESPACE);
        engineKeys.putAll(all);
    }

    /** The properties file at {@code location} ({@code classpath:} or {@code file:}); null if optional and absent. */
    static Properties read(String location, boolean optional, ClassLoader loader) {
        Properties p = new StrictProperties(location);
        try {
            if (location.startsWith("classpath:")) {
                String name = location.substring("classpath:".length());
                name = name.startsWith("/") ? name.substring(1) : name;
                try (InputStream in = loader.getResourceAsStream(name)) {
                    if (in == null) {
                        if (optional) {
                            return null;
                        }
                        throw new ConfigException(location, null, "configuration " + location
                                + " was not found on the class path", null);
                    }
                    p.load(in);
                }
            } else if (location.startsWith("file:")) {
                try (InputStream in = Files.newInputStream(Path.of(location.substring("file:".length())))) {
                    p.load(in);
                } catch (NoSuchFileException e) {
                    throw new ConfigException(location, null, "configuration " + location + " does not exist", e);
                }
            } else {
                throw new ConfigException(location, null, "configuration location must start with classpath: or"
                        + " file: but was \"" + location + "\"", null);
            }
        } catch (IOException e) {
            throw new ConfigException(location, null, "configuration " + location + " could not be read: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            if (e instanceof ConfigException c) {
                throw c;
            }
            throw new ConfigException(location, null, "configuration " + location + " is not a properties file: "
                    + e.getMessage(), e);
        }
        return p;
    }

    /** Where a key came from: its environment variable, or the file. */
    String origin(String key) {
        String variable = key == null ? null : variables.get(key);
        return variable != null ? "environment variable " + variable : source;
    }

    private String take(Properties all, String key, String defaultValue) {
        String value = all.getProperty(key);
        all.remove(key);
        return value == null ? defaultValue : value.trim();
    }

    private void onlyWithDynamoDb(String key, String value) {
        if (value != null) {
            throw bad(key, value, "applies only with ratelimit.store=dynamodb");
        }
    }

    private Duration duration(String key, String text) {
        try {
            return Limit.parse("1/" + text).period();
        } catch (IllegalArgumentException e) {
            throw bad(key, text, "expected a duration such as 250ms, 2s or 1m");
        }
    }

    private ConfigException bad(String key, String value, String why) {
        String from = variables.containsKey(key) ? "environment variable " + variables.get(key) : source;
        return new ConfigException(source, key, from + ": " + key + "=" + value + ": " + why, null);
    }

    /** Properties that refuse a key written twice in one file, naming the file, the key and both values. */
    private static final class StrictProperties extends Properties {
        private static final long serialVersionUID = 1L;
        private final String location;

        StrictProperties(String location) {
            this.location = location;
        }

        @Override
        public synchronized Object put(Object key, Object value) {
            Object before = super.put(key, value);
            if (before != null) {
                throw new ConfigException(location, key.toString(), "configuration " + location + ": the key " + key
                        + " is written twice (" + key + "=" + before + " and " + key + "=" + value + ")", null);
            }
            return null;
        }
    }
}
