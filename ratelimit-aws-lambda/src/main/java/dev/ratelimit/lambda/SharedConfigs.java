package dev.ratelimit.lambda;

import dev.ratelimit.config.SharedConfigLocation;
import dev.ratelimit.http.ConfigSource;

/**
 * Opens the shared configuration of {@code RATELIMIT_CONFIG=redis://...} or {@code dynamodb:TABLE} through
 * {@code ratelimit-config}. A class of its own so that a function configured by a file never loads ratelimit-config,
 * Jedis or the AWS SDK (the dependencies are optional). Stateless.
 */
final class SharedConfigs {

    private SharedConfigs() {
    }

    /**
     * The source, polling only, on a client of its own that it closes in {@code close()}.
     *
     * @throws IllegalArgumentException naming the variable and value of a bad setting
     * @throws IllegalStateException naming the artifact if ratelimit-config, Jedis or the AWS SDK is missing
     */
    static ConfigSource open(FunctionSettings settings) {
        try {
            Class.forName("dev.ratelimit.config.SharedConfigLocation", false, SharedConfigs.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException(settings.sharedOrigin.get("config") + " names a shared configuration,"
                    + " which needs the artifact dev.ratelimit:ratelimit-config (and redis.clients:jedis for redis://,"
                    + " software.amazon.awssdk:dynamodb for dynamodb:) in the function's deployment package;"
                    + " ratelimit-config is missing", e);
        }
        return Opener.open(settings);
    }

    /** Touches ratelimit-config; loaded only once it is known to be there. */
    private static final class Opener {
        static ConfigSource open(FunctionSettings settings) {
            java.util.Map<String, String> values = new java.util.HashMap<>(settings.shared);
            if (FunctionSettings.isRedis(values.get(SharedConfigLocation.LOCATION))) {
                values.put(SharedConfigLocation.PUSH, "false"); // frozen between invocations: no subscription
            }
            return SharedConfigLocation.open(values, name -> settings.sharedOrigin.getOrDefault(name, name));
        }
    }
}
