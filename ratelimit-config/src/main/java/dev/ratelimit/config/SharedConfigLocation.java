package dev.ratelimit.config;

import dev.ratelimit.Limit;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Opens a shared configuration named in text, for front doors configured without code: the servlet filter's web.xml
 * init-params, the AWS Lambda module's environment variables, the command-line tool's options. The settings are
 * named as the filter's init-params; each front door says how it spells them, so an error names what the user wrote
 * (for example {@code init-param configPollInterval} or {@code environment variable RATELIMIT_CONFIG_POLL_INTERVAL}).
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code config}</td><td>required</td><td>{@code redis://[user:password@]host[:port][/db]} (or
 *       {@code rediss://} for TLS): a {@link RedisSharedConfig} on a client of its own; {@code dynamodb:TABLE}: a
 *       {@link DynamoDbSharedConfig} on a client of its own (credentials from the AWS SDK's default chain)</td></tr>
 *   <tr><td>{@code configKey}</td><td>{@code ratelimit:config}</td><td>the Redis hash, or the DynamoDB item's
 *       partition key value</td></tr>
 *   <tr><td>{@code configPollInterval}</td><td>{@code 5s}</td><td>how often the source is read whatever the
 *       pushes ({@code 250ms}, {@code 5s}, {@code 1m}; at least {@code 1ms})</td></tr>
 *   <tr><td>{@code configTimeout}</td><td>{@code 1s}</td><td>how long connecting or one read may take</td></tr>
 *   <tr><td>{@code configPush}</td><td>{@code true}</td><td>Redis only: {@code false} polls only</td></tr>
 *   <tr><td>{@code configKeyAttribute}</td><td>{@code pk}</td><td>DynamoDB only: the partition key
 *       attribute</td></tr>
 *   <tr><td>{@code configRegion}</td><td>the SDK's default chain</td><td>DynamoDB only: the region, such as
 *       {@code eu-west-1}</td></tr>
 *   <tr><td>{@code configEndpoint}</td><td>the region's</td><td>DynamoDB only: another endpoint, such as DynamoDB
 *       Local's {@code http://localhost:8000}</td></tr>
 * </table>
 * A setting this class does not know, a setting of the other store, or a bad value is an
 * {@link IllegalArgumentException} naming the setting as the user wrote it and the value. A password in a Redis URI
 * is never named: errors and {@link SharedConfig#name()} show the location without it. Jedis or the AWS SDK is
 * loaded only for its own store; when it is missing, an {@link IllegalStateException} names the artifact.
 *
 * <p>Stateless and thread-safe.
 */
public final class SharedConfigLocation {

    /** The setting naming the store: {@code redis://...}, {@code rediss://...} or {@code dynamodb:TABLE}. */
    public static final String LOCATION = "config";
    /** The setting naming the Redis hash or the DynamoDB item's key. */
    public static final String KEY = "configKey";
    /** The setting naming the poll interval. */
    public static final String POLL_INTERVAL = "configPollInterval";
    /** The setting naming the client's connect and read timeout. */
    public static final String TIMEOUT = "configTimeout";
    /** The Redis setting switching pub/sub push on or off. */
    public static final String PUSH = "configPush";
    /** The DynamoDB setting naming the partition key attribute. */
    public static final String KEY_ATTRIBUTE = "configKeyAttribute";
    /** The DynamoDB setting naming the region. */
    public static final String REGION = "configRegion";
    /** The DynamoDB setting naming another endpoint. */
    public static final String ENDPOINT = "configEndpoint";

    private static final Set<String> COMMON = Set.of(LOCATION, KEY, POLL_INTERVAL, TIMEOUT);
    private static final Set<String> REDIS_ONLY = Set.of(PUSH);
    private static final Set<String> DYNAMODB_ONLY = Set.of(KEY_ATTRIBUTE, REGION, ENDPOINT);
    private static final String KNOWN = String.join(", ", LOCATION, KEY, POLL_INTERVAL, TIMEOUT, PUSH, KEY_ATTRIBUTE,
            REGION, ENDPOINT);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.-]{3,255}");

    private SharedConfigLocation() {
    }

    /**
     * Whether {@code location} names a shared configuration this class opens (rather than a file).
     *
     * @param location a configuration location, such as {@code classpath:ratelimit.properties} or
     *     {@code redis://redis.internal:6379}
     * @return true for {@code redis://}, {@code rediss://} and {@code dynamodb:} locations
     */
    public static boolean isShared(String location) {
        String l = Objects.requireNonNull(location, "location").trim().toLowerCase(Locale.ROOT);
        return l.startsWith("redis://") || l.startsWith("rediss://") || l.startsWith("dynamodb:");
    }

    /**
     * Opens the shared configuration the settings name, on a client of its own that the returned source closes in
     * {@link SharedConfig#close()}. Nothing is read yet: a store that cannot be reached fails the first read.
     *
     * @param settings the settings of the table above, by name; values are trimmed
     * @param origin how the user wrote a setting, for errors: given a setting's name, such as
     *     {@code configPollInterval}, returns for example {@code init-param configPollInterval}
     * @return the source, which owns its client
     * @throws IllegalArgumentException naming the setting and value if a setting is unknown, belongs to the other
     *     store, or has a bad value, or if {@code config} is missing
     * @throws IllegalStateException naming the artifact if Jedis or the AWS SDK is not on the class path
     * @throws ConfigStoreException if the AWS SDK cannot make a client (no region found, for example)
     */
    public static SharedConfig open(Map<String, String> settings, Function<String, String> origin) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(origin, "origin");
        Map<String, String> s = new TreeMap<>();
        settings.forEach((name, value) -> s.put(Objects.requireNonNull(name, "setting name"),
                Objects.requireNonNull(value, name).trim()));
        String location = s.get(LOCATION);
        if (location == null || location.isEmpty()) {
            throw new IllegalArgumentException(origin.apply(LOCATION) + " is missing: a shared configuration needs"
                    + " redis://host:port or dynamodb:TABLE");
        }
        boolean redis = location.toLowerCase(Locale.ROOT).startsWith("redis");
        if (!isShared(location)) {
            throw new IllegalArgumentException(origin.apply(LOCATION) + "=" + location + ": expected"
                    + " redis://host:port, rediss://host:port or dynamodb:TABLE");
        }
        for (String name : s.keySet()) {
            if (!COMMON.contains(name) && !REDIS_ONLY.contains(name) && !DYNAMODB_ONLY.contains(name)) {
                throw new IllegalArgumentException(origin.apply(name) + " is not a setting of a shared configuration"
                        + " (known: " + KNOWN + ")");
            }
            if (redis ? DYNAMODB_ONLY.contains(name) : REDIS_ONLY.contains(name)) {
                throw new IllegalArgumentException(origin.apply(name) + "=" + s.get(name) + " applies only to "
                        + (redis ? "DynamoDB (config=dynamodb:TABLE)" : "Redis (config=redis://host:port)"));
            }
        }
        String key = s.getOrDefault(KEY, "ratelimit:config");
        if (key.isEmpty()) {
            throw new IllegalArgumentException(origin.apply(KEY) + " is empty");
        }
        Duration poll = duration(s, POLL_INTERVAL, SharedConfig.DEFAULT_POLL_INTERVAL, origin);
        Duration timeout = duration(s, TIMEOUT, DEFAULT_TIMEOUT, origin);
        if (redis) {
            URI uri = redisUri(location, origin);
            boolean push = bool(s, PUSH, origin);
            requireClass("redis.clients.jedis.UnifiedJedis", "Jedis (redis.clients:jedis)", origin, redacted(uri));
            return RedisOpener.open(uri, redacted(uri), key, poll, push, timeout);
        }
        String table = location.substring("dynamodb:".length());
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException(origin.apply(LOCATION) + "=" + location + ": the table name must be 3"
                    + " to 255 letters, digits, '_', '-' or '.'");
        }
        String attribute = s.getOrDefault(KEY_ATTRIBUTE, "pk");
        if (attribute.isEmpty()) {
            throw new IllegalArgumentException(origin.apply(KEY_ATTRIBUTE) + " is empty");
        }
        URI endpoint = null;
        if (s.containsKey(ENDPOINT)) {
            endpoint = httpUri(s.get(ENDPOINT), origin.apply(ENDPOINT));
        }
        String region = s.get(REGION);
        if (region != null && !region.matches("[a-z0-9-]{1,50}")) {
            throw new IllegalArgumentException(origin.apply(REGION) + "=" + region + ": expected a region name such"
                    + " as eu-west-1");
        }
        requireClass("software.amazon.awssdk.services.dynamodb.DynamoDbClient",
                "the AWS SDK's DynamoDB client (software.amazon.awssdk:dynamodb)", origin, location);
        return DynamoDbOpener.open(table, key, attribute, region, endpoint, poll, timeout);
    }

    /** The URI without its user and password, for logs and errors. */
    static String redacted(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static URI redisUri(String location, Function<String, String> origin) {
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            // The message of URISyntaxException quotes the input, password and all: say where, not what.
            throw new IllegalArgumentException(origin.apply(LOCATION) + " is not a valid redis:// URI (at index "
                    + e.getIndex() + ")");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(origin.apply(LOCATION) + "=" + uri.getScheme() + "://...: expected "
                    + uri.getScheme() + "://[user:password@]host[:port][/db]");
        }
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/") && !path.matches("/\\d{1,5}")) {
            throw new IllegalArgumentException(origin.apply(LOCATION) + "=" + redacted(uri) + ": the path must be a"
                    + " database number such as /0");
        }
        return uri;
    }

    private static URI httpUri(String value, String name) {
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + "=" + value + ": expected an http:// or https:// URL");
    }

    private static Duration duration(Map<String, String> s, String name, Duration defaultValue,
            Function<String, String> origin) {
        String value = s.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (value.length() > 1 && (value.charAt(0) == 'P' || value.charAt(0) == 'p')) {
            throw new IllegalArgumentException(origin.apply(name) + "=" + value + ": ISO-8601 durations are not used;"
                    + " write " + shortForm(value) + " (a duration such as 250ms, 5s or 1m)");
        }
        Duration d;
        try {
            if (value.isEmpty() || value.chars().anyMatch(c -> c == '/' || Character.isWhitespace(c))) {
                throw new IllegalArgumentException("not a duration");
            }
            d = Limit.parse("1/" + value).period();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin.apply(name) + "=" + value + ": expected a duration such as"
                    + " 250ms, 5s or 1m");
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException(origin.apply(name) + "=" + value + ": must be 1ms or more");
        }
        return d;
    }

    /** An ISO-8601 duration in the short syntax ({@code PT10S}: {@code 10s}); {@code 5s} if it is none. */
    private static String shortForm(String iso) {
        Duration d;
        try {
            d = Duration.parse(iso);
        } catch (RuntimeException e) {
            return "5s";
        }
        long millis = d.toMillis();
        if (millis <= 0) {
            return "5s";
        }
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        return seconds % 3600 == 0 ? seconds / 3600 + "h" : seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }

    private static boolean bool(Map<String, String> s, String name, Function<String, String> origin) {
        String value = s.getOrDefault(name, "true");
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(origin.apply(name) + "=" + value + ": expected true or false");
    }

    private static void requireClass(String className, String artifact, Function<String, String> origin,
            String location) {
        try {
            Class.forName(className, false, SharedConfigLocation.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException(origin.apply(LOCATION) + "=" + location + " needs " + artifact
                    + " on the class path next to dev.ratelimit:ratelimit-config; it is missing", e);
        }
    }

    /** Jedis, loaded only for a redis:// location. */
    private static final class RedisOpener {
        static SharedConfig open(URI uri, String where, String key, Duration poll, boolean push, Duration timeout) {
            int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            redis.clients.jedis.JedisPooled jedis = new redis.clients.jedis.JedisPooled(uri, millis);
            try {
                RedisSharedConfig config = RedisSharedConfig.builder(jedis).key(key).pollInterval(poll).push(push)
                        .build();
                return new OwnedSharedConfig(config, jedis, where);
            } catch (RuntimeException e) {
                jedis.close();
                throw e;
            }
        }
    }

    /** The AWS SDK, loaded only for a dynamodb: location. */
    private static final class DynamoDbOpener {
        static SharedConfig open(String table, String id, String keyAttribute, String region, URI endpoint,
                Duration poll, Duration timeout) {
            var builder = software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder()
                    .overrideConfiguration(c -> c.apiCallTimeout(timeout).apiCallAttemptTimeout(timeout));
            if (region != null) {
                builder.region(software.amazon.awssdk.regions.Region.of(region));
            }
            if (endpoint != null) {
                builder.endpointOverride(endpoint);
            }
            software.amazon.awssdk.services.dynamodb.DynamoDbClient client;
            try {
                client = builder.build();
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                throw new ConfigStoreException("cannot make a DynamoDB client for dynamodb:" + table + ": "
                        + e.getMessage() + (region == null ? " (set the region: " + REGION + ")" : ""), e);
            }
            try {
                DynamoDbSharedConfig config = DynamoDbSharedConfig.builder(client, table).id(id)
                        .keyAttribute(keyAttribute).pollInterval(poll).build();
                return new OwnedSharedConfig(config, client, endpoint == null ? "dynamodb" : endpoint.toString());
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
        }
    }
}
