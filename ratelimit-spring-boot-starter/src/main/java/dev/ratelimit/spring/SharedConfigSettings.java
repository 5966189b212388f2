package dev.ratelimit.spring;

import dev.ratelimit.Limit;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Where the starter takes the rate-limit configuration from ({@code ratelimit.config}) and the settings of a shared
 * source, named and spelled as the servlet filter's init-params ({@code configKey}, {@code configPollInterval},
 * {@code configPush}, {@code configKeyAttribute}):
 * <ul>
 *   <li>{@code environment} (the default): the {@code ratelimit.*} keys of Spring's environment, read once;</li>
 *   <li>{@code redis}: the hash {@code configKey} through the application's Jedis client
 *       ({@code dev.ratelimit.config.RedisSharedConfig}) or Lettuce client ({@link LettuceSharedConfig}), pushed
 *       by pub/sub unless {@code configPush=false}, and
 *       polled every {@code configPollInterval};</li>
 *   <li>{@code dynamodb} or {@code dynamodb:TABLE}: the item {@code configKeyAttribute=configKey} of the table (by
 *       default {@code ratelimit.dynamodb.tableName}) through the application's {@code DynamoDbClient}
 *       ({@code dev.ratelimit.config.DynamoDbSharedConfig}), polled every {@code configPollInterval}.</li>
 * </ul>
 * A bad value, or a setting of the other store, is an {@link IllegalArgumentException} naming the property and the
 * value.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind where the configuration comes from
 * @param table the DynamoDB table (null unless {@link Kind#DYNAMODB})
 * @param key the Redis hash or the DynamoDB item's partition key value
 * @param pollInterval how often the source is read whatever the pushes
 * @param push Redis: whether to subscribe to the publish notifications
 * @param keyAttribute DynamoDB: the partition key attribute
 */
record SharedConfigSettings(Kind kind, String table, String key, Duration pollInterval, boolean push,
        String keyAttribute) {

    static final String CONFIG = "ratelimit.config";
    static final String KEY = "ratelimit.configKey";
    static final String POLL_INTERVAL = "ratelimit.configPollInterval";
    static final String PUSH = "ratelimit.configPush";
    static final String KEY_ATTRIBUTE = "ratelimit.configKeyAttribute";
    static final String DEFAULT_KEY = "ratelimit:config";
    static final String DEFAULT_TABLE = "rate-limits";

    /** The values of {@code ratelimit.config}. */
    enum Kind {
        ENVIRONMENT, REDIS, DYNAMODB
    }

    /** Whether the configuration comes from a shared store rather than the environment. */
    boolean shared() {
        return kind != Kind.ENVIRONMENT;
    }

    /** Where the configuration comes from, for a condition: null when {@code ratelimit.config} is not valid. */
    static Kind kindOf(Environment environment) {
        try {
            return kind(Binder.get(environment).bind(CONFIG, String.class).orElse("environment"));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The settings of {@code environment}.
     *
     * @throws IllegalArgumentException naming the property and its value when one is bad or belongs to the other
     *     store
     */
    static SharedConfigSettings read(Environment environment) {
        Binder binder = Binder.get(environment);
        String config = binder.bind(CONFIG, String.class).orElse("environment").trim();
        Kind kind = kind(config);
        String table = null;
        if (kind == Kind.DYNAMODB) {
            int colon = config.indexOf(':');
            table = colon < 0 ? binder.bind("ratelimit.dynamodb.table-name", String.class).orElse(DEFAULT_TABLE)
                    : config.substring(colon + 1).trim();
            if (table.isEmpty()) {
                throw new IllegalArgumentException(CONFIG + "=" + config + ": the table name after dynamodb: is"
                        + " empty");
            }
        }
        String key = binder.bind("ratelimit.config-key", String.class).orElse(DEFAULT_KEY).trim();
        if (key.isEmpty()) {
            throw new IllegalArgumentException(KEY + " is empty; the default is " + DEFAULT_KEY);
        }
        String poll = binder.bind("ratelimit.config-poll-interval", String.class).orElse(null);
        Duration interval = poll == null ? Duration.ofSeconds(5) : duration(POLL_INTERVAL, poll.trim());
        String push = binder.bind("ratelimit.config-push", String.class).orElse(null);
        boolean pushes = push == null || bool(PUSH, push.trim());
        String attribute = binder.bind("ratelimit.config-key-attribute", String.class).orElse("pk").trim();
        if (attribute.isEmpty()) {
            throw new IllegalArgumentException(KEY_ATTRIBUTE + " is empty; the default is pk");
        }
        if (kind != Kind.REDIS && push != null) {
            throw new IllegalArgumentException(PUSH + "=" + push + " is a setting of ratelimit.config=redis, but"
                    + " ratelimit.config is " + config);
        }
        if (kind != Kind.DYNAMODB && binder.bind("ratelimit.config-key-attribute", String.class).isBound()) {
            throw new IllegalArgumentException(KEY_ATTRIBUTE + "=" + attribute + " is a setting of"
                    + " ratelimit.config=dynamodb, but ratelimit.config is " + config);
        }
        return new SharedConfigSettings(kind, table, key, interval, pushes, attribute);
    }

    private static Kind kind(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("environment")) {
            return Kind.ENVIRONMENT;
        }
        if (v.equals("redis")) {
            return Kind.REDIS;
        }
        if (v.equals("dynamodb") || v.startsWith("dynamodb:")) {
            return Kind.DYNAMODB;
        }
        throw new IllegalArgumentException(CONFIG + "=" + value + ": expected environment (the default), redis,"
                + " dynamodb or dynamodb:TABLE");
    }

    /** A duration in the limit period syntax ({@code 250ms}, {@code 5s}, {@code 1m}); ISO-8601 is refused. */
    private static Duration duration(String property, String value) {
        if (value.length() > 1 && (value.charAt(0) == 'P' || value.charAt(0) == 'p')) {
            throw new IllegalArgumentException(property + "=" + value + ": ISO-8601 durations are not used in the"
                    + " rate-limit configuration; write 250ms, 5s, 1m, 1h or 1d");
        }
        Duration d;
        try {
            if (value.isEmpty() || value.contains("/")) {
                throw new IllegalArgumentException(value);
            }
            d = Limit.parse("1/" + value).period();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + "=" + value + ": expected a duration such as 250ms, 5s or"
                    + " 1m", e);
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException(property + "=" + value + ": the poll interval must be 1ms or more");
        }
        return d;
    }

    private static boolean bool(String property, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(property + "=" + value + ": expected true or false");
    }
}
