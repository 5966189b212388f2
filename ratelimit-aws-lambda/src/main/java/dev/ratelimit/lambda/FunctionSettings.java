package dev.ratelimit.lambda;

import dev.ratelimit.Limit;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.RateLimitConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The configuration of a {@link LambdaRateLimit}: the properties file, the environment on top of it, and this
 * module's own keys ({@code ratelimit.store*}, {@code ratelimit.metrics*}, {@code ratelimit.config.*}) taken out
 * before the engine parses the rest. With a shared configuration ({@code RATELIMIT_CONFIG=redis://...} or
 * {@code dynamodb:TABLE}) there is no file, and the engine's keys come from the shared text only. Not thread-safe;
 * used once per build.
 */
final class FunctionSettings {

    static final String DEFAULT_LOCATION = "classpath:ratelimit.properties";

    /** The keys of a shared configuration, as {@code ratelimit-config}'s settings name them. */
    private static final Map<String, String> SHARED_KEYS = Map.of(
            "ratelimit.config.key", "configKey",
            "ratelimit.config.pollInterval", "configPollInterval",
            "ratelimit.config.timeout", "configTimeout",
            "ratelimit.config.keyAttribute", "configKeyAttribute",
            "ratelimit.config.region", "configRegion",
            "ratelimit.config.endpoint", "configEndpoint");

    /** Where the configuration came from, for error messages. */
    final String source;
    /** The engine's keys; empty with a shared configuration. */
    final Properties engineKeys = new Properties();
    /** Which key came from which variable. */
    final Map<String, String> variables = new HashMap<>();

    final String store;
    final String table;
    final String endpoint;
    final Duration timeout;
    final String keyPrefix;
    final boolean metrics;
    final String namespace;
    /**
     * The settings of the shared configuration by {@code ratelimit-config}'s names ({@code config}, {@code configKey},
     * ...), and how the user wrote each; empty without one.
     */
    final Map<String, String> shared = new LinkedHashMap<>();
    final Map<String, String> sharedOrigin = new HashMap<>();

    /**
     * @param sharedLocation the shared configuration's location, or null for a file (then {@code base} holds it)
     * @param locationOrigin how the user gave the location, such as {@code environment variable RATELIMIT_CONFIG}
     */
    private FunctionSettings(Properties base, String baseSource, Map<String, String> environment,
            String sharedLocation, String locationOrigin) {
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
        String push = take(all, "ratelimit.config.push", null);
        if (push != null) {
            throw bad("ratelimit.config.push", push, "a Lambda function polls its shared configuration only: it is"
                    + " frozen between invocations, so it cannot hold a subscription");
        }
        for (Map.Entry<String, String> e : SHARED_KEYS.entrySet()) {
            String value = take(all, e.getKey(), null);
            if (value == null) {
                continue;
            }
            if (sharedLocation == null) {
                throw bad(e.getKey(), value, "applies only to a shared configuration (RATELIMIT_CONFIG=redis://..."
                        + " or dynamodb:TABLE)");
            }
            shared.put(e.getValue(), value);
            sharedOrigin.put(e.getValue(), origin(e.getKey()));
        }
        if (sharedLocation != null) {
            for (String key : all.stringPropertyNames()) {
                if (key.startsWith("ratelimit.")) {
                    throw bad(key, all.getProperty(key), "the engine's keys come from the shared configuration ("
                            + locationOrigin + "); publish them there");
                }
            }
            shared.put("config", sharedLocation);
            sharedOrigin.put("config", locationOrigin);
        }
        engineKeys.putAll(all);
    }

    /**
     * The settings of a build: {@code properties} if given, else the location (the builder's, else
     * {@code RATELIMIT_CONFIG}): a shared configuration, or a file; else {@code classpath:ratelimit.properties} if it
     * exists; with the environment on top.
     */
    static FunctionSettings load(Properties properties, String configLocation, Map<String, String> env,
            ClassLoader loader) {
        if (properties != null) {
            return new FunctionSettings(properties, "properties", env, null, null);
        }
        String location = configLocation != null ? configLocation : env.get(EnvironmentConfig.CONFIG_VARIABLE);
        String origin = configLocation != null ? "configLocation"
                : "environment variable " + EnvironmentConfig.CONFIG_VARIABLE;
        if (location != null && isShared(location)) {
            return new FunctionSettings(new Properties(), "the environment", env, location.trim(), origin);
        }
        boolean optional = location == null;
        String file = optional ? DEFAULT_LOCATION : location;
        Properties read = read(file, optional, loader);
        return new FunctionSettings(read != null ? read : new Properties(),
                read != null ? file : "the environment (no " + file + ")", env, null, null);
    }

    /**
     * The engine's configuration from a file and the environment.
     *
     * @throws ConfigException naming the file or the variable, the key and the value
     */
    RateLimitConfig engineConfig() {
        try {
            return RateLimitConfig.parse(engineKeys, source);
        } catch (ConfigException e) {
            if (e.key() != null && variables.containsKey(e.key())) {
                throw new ConfigException(e.source(), e.key(), e.getMessage() + " (set by " + origin(e.key()) + ")",
                        e);
            }
            throw e;
        }
    }

    /**
     * The properties file at {@code location} ({@code classpath:} or {@code file:}); null if it is optional and absent.
     */
    static Properties read(String location, boolean optional, ClassLoader loader) {
        if (optional && location.startsWith("classpath:")
                && loader.getResource(location.substring("classpath:".length())) == null) {
            return null;
        }
        return RateLimitConfig.readProperties(location, loader);
    }

    /** Whether a location names a shared configuration rather than a file. */
    static boolean isShared(String location) {
        String l = location.trim().toLowerCase(Locale.ROOT);
        return l.startsWith("redis://") || l.startsWith("rediss://") || l.startsWith("dynamodb:");
    }

    /** Whether a shared location is a Redis one. */
    static boolean isRedis(String location) {
        return location.trim().toLowerCase(Locale.ROOT).startsWith("redis");
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
}
