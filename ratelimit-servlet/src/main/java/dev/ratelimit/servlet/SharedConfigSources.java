package dev.ratelimit.servlet;

import dev.ratelimit.http.ConfigSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Opens the shared configuration that web.xml's {@code config} init-param names ({@code redis://...},
 * {@code rediss://...}, {@code dynamodb:TABLE}) through {@code ratelimit-config}, which the filter does not depend
 * on: like a {@link StoreFactory}, the class is looked up by name with the thread's context class loader, so a web
 * application without a shared configuration carries neither ratelimit-config nor Jedis nor the AWS SDK. Stateless.
 */
final class SharedConfigSources {

    /** The class of ratelimit-config that opens a location, and its method. */
    static final String OPENER = "dev.ratelimit.config.SharedConfigLocation";

    /** The prefix of the init-params that configure a shared configuration. */
    static final String PARAM_PREFIX = RateLimitFilter.CONFIG_PARAM;

    private SharedConfigSources() {
    }

    /** Whether {@code location} is a shared configuration rather than a file. */
    static boolean isShared(String location) {
        String l = location.toLowerCase(Locale.ROOT);
        return l.startsWith("redis://") || l.startsWith("rediss://") || l.startsWith("dynamodb:");
    }

    /**
     * Opens the source; the caller closes it (the engine does, in {@code close()}).
     *
     * @param settings the init-params whose names start with {@code config}, including {@code config} itself
     * @throws IllegalArgumentException naming the init-param and value if one is bad or unknown, or naming the missing
     *     artifact if ratelimit-config is not in the web application
     * @throws IllegalStateException naming the artifact if the store's client library is missing
     */
    static ConfigSource open(Map<String, String> settings) {
        String location = settings.get(RateLimitFilter.CONFIG_PARAM);
        String client = location.toLowerCase(Locale.ROOT).startsWith("dynamodb:")
                ? "software.amazon.awssdk:dynamodb" : "redis.clients:jedis";
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = SharedConfigSources.class.getClassLoader();
        }
        Method open;
        try {
            open = Class.forName(OPENER, true, loader).getMethod("open", Map.class, Function.class);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            // The location is not repeated: a redis:// URI may carry a password.
            throw new IllegalArgumentException("init-param " + RateLimitFilter.CONFIG_PARAM + " names a shared"
                    + " configuration (" + location.substring(0, location.indexOf(':') + 1) + "...), which needs the"
                    + " artifact dev.ratelimit:ratelimit-config and " + client + " in the web application;"
                    + " ratelimit-config is missing (" + e + ")", e);
        }
        Function<String, String> origin = name -> "init-param " + name;
        try {
            return (ConfigSource) open.invoke(null, settings, origin);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(OPENER + ".open failed", e.getCause());
        } catch (IllegalAccessException | ClassCastException e) {
            throw new IllegalStateException(OPENER + " does not match this filter's version of ratelimit-http", e);
        }
    }
}
