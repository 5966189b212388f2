package dev.ratelimit.spring;

import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * The engines of {@link RateLimited} methods: one per annotated method, each with one policy, on the main engine's
 * store, clock and listener. Built for every handler method when the application starts ({@link #prepare}), so a bad
 * annotation stops the context; looked up without allocation afterwards.
 *
 * <p>Thread-safe.
 */
final class MethodLimits implements AutoCloseable {

    private static final String PREFIX = "ratelimit.";
    private static final int MAX_NAME = 40;

    private final RateLimitEngine main;
    private final TimeSource time;
    private final RateLimitListener listener;
    private final Map<Method, RateLimitEngine> engines = new ConcurrentHashMap<>();

    MethodLimits(RateLimitEngine main, TimeSource time, RateLimitListener listener) {
        this.main = main;
        this.time = time;
        this.listener = listener;
    }

    /** Builds the engine of every annotated method among {@code handlers}. */
    void prepare(Collection<Method> handlers) {
        for (Method method : handlers) {
            RateLimited annotation = annotation(method);
            if (annotation != null) {
                engines.computeIfAbsent(method, m -> build(m, annotation));
            }
        }
    }

    /** The engine of {@code method}, or null when it is not annotated. */
    RateLimitEngine engine(Method method) {
        RateLimitEngine engine = engines.get(method);
        if (engine != null) {
            return engine;
        }
        RateLimited annotation = annotation(method);
        return annotation == null ? null : engines.computeIfAbsent(method, m -> build(m, annotation));
    }

    private static RateLimited annotation(Method method) {
        RateLimited onMethod = AnnotatedElementUtils.findMergedAnnotation(method, RateLimited.class);
        return onMethod != null ? onMethod
                : AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), RateLimited.class);
    }

    private RateLimitEngine build(Method method, RateLimited a) {
        String where = "@RateLimited on " + method.getDeclaringClass().getName() + "." + method.getName();
        String name = a.name().isEmpty() ? defaultName(method) : a.name();
        Properties base = main.config().properties();
        Properties p = new Properties();
        for (String key : base.stringPropertyNames()) {
            if (key.startsWith(PREFIX) && !key.equals(PREFIX + "policies") && !key.startsWith(PREFIX + "policy.")
                    && !key.equals(PREFIX + "excludes") && !key.equals(PREFIX + "reload")) {
                p.setProperty(key, base.getProperty(key));
            }
        }
        p.setProperty(PREFIX + "policies", name);
        String target = PREFIX + "policy." + name + ".";
        if (!a.policy().isEmpty()) {
            if (a.limits().length > 0 || !a.key().equals("ip")) {
                throw new IllegalStateException(where + ": give either policy or key and limits, not both");
            }
            String source = PREFIX + "policy." + a.policy() + ".";
            boolean found = false;
            for (String key : base.stringPropertyNames()) {
                if (key.startsWith(source)) {
                    found = true;
                    String rest = key.substring(source.length());
                    if (!rest.equals("paths") && !rest.equals("methods")) {
                        p.setProperty(target + rest, base.getProperty(key));
                    }
                }
            }
            if (!found) {
                throw new IllegalStateException(where + ": policy=\"" + a.policy() + "\" is not defined (no "
                        + source + "* key in ratelimit.*)");
            }
        } else {
            p.setProperty(target + "key", a.key());
            p.setProperty(target + "limits", String.join(",", a.limits()));
            p.setProperty(target + "algorithm", a.algorithm());
            p.setProperty(target + "cost", Long.toString(a.cost()));
        }
        RateLimitConfig config;
        try {
            config = RateLimitConfig.parse(p, where);
        } catch (ConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        RateLimitEngine.Builder builder = RateLimitEngine.builder().config(config).store(main.store());
        if (time != null) {
            builder.timeSource(time);
        }
        if (listener != null) {
            builder.listener(listener);
        }
        return builder.build();
    }

    /** {@code ClassName-methodName} in the characters a policy name may have, at most 40. */
    static String defaultName(Method method) {
        String raw = method.getDeclaringClass().getSimpleName() + "-" + method.getName();
        String clean = raw.replaceAll("[^A-Za-z0-9_-]", "_");
        return clean.length() <= MAX_NAME ? clean : clean.substring(0, MAX_NAME);
    }

    /** The method engines use the main engine's store, which they do not close. */
    @Override
    public void close() {
        engines.values().forEach(RateLimitEngine::close);
    }
}
