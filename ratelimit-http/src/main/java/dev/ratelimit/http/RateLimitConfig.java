package dev.ratelimit.http;

import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import org.slf4j.event.Level;

/**
 * The engine's configuration: policies, plans, excluded paths, trusted proxies, headers, failure policy, reload
 * interval and violation log, validated. One schema for every front door: a properties file (the servlet filter's
 * init-param {@code config}, {@link RateLimitEngine.Builder#configLocation}), or properties from elsewhere (Spring's
 * environment) through {@link #parse(Properties, String)}. Every key, its default and meaning is listed in
 * ratelimit-servlet's CONFIG.md; keys are camelCase, a section per name is singular ({@code policy.NAME},
 * {@code plan.NAME}), durations are written as limit periods ({@code 10s}). In short:
 *
 * <pre>
 * ratelimit.policies=global,perKey                      # required: the policies, in evaluation order
 * ratelimit.policy.global.limits=1000/1s                # or .plans=true for the limits of the key's plan
 * ratelimit.policy.global.key=constant                  # ip | header:NAME | principal | route | constant[:VALUE]
 *                                                       # | composite:PART+PART (e.g. composite:header:X-User-Id+route)
 * ratelimit.policy.global.algorithm=TOKEN_BUCKET        # FIXED_WINDOW | SLIDING_WINDOW | SLIDING_LOG | TOKEN_BUCKET
 * ratelimit.policy.global.paths=/api/**                 # default /**
 * ratelimit.policy.global.methods=GET,POST              # default: every method
 * ratelimit.policy.global.cost=1
 * ratelimit.policy.global.shadow=false
 * ratelimit.policy.global.missingKey=reject             # reject (401) | anonymous
 * ratelimit.policy.global.refundOnStatus=500-599        # give the permits back when the app answers these
 * ratelimit.policy.login.penaltyOnStatus=401            # spend .penalty more permits when the app answers these
 * ratelimit.policy.login.penalty=5                      # default 1
 * ratelimit.plan.basic.limits=100/1s,10000/1d
 * ratelimit.planKeys.basic=key-1,key-2
 * ratelimit.defaultPlan=reject                          # a plan name, or reject (401)
 * ratelimit.excludes=/health,/metrics/**
 * ratelimit.trustedProxies=10.0.0.0/8,::1/128
 * ratelimit.trustedProxies.header=X-Forwarded-For       # or Forwarded
 * ratelimit.headers.legacy=true
 * ratelimit.headers.shadow=false                        # shadow policies in the response headers
 * ratelimit.ipv4Prefix=32                               # the ip key groups IPv4 clients by this prefix
 * ratelimit.ipv6Prefix=64                               # and IPv6 clients by this one
 * ratelimit.maximumKeys=100000                          # keys the engine's own in-memory store holds at most
 * ratelimit.failurePolicy=allow                         # allow | deny | local
 * ratelimit.reload=10s                                  # 250ms, 10s, 5m, 1h, 1d, or off
 * ratelimit.localDenyCache=0                            # keys remembered as denied in this JVM; 0 = off
 * ratelimit.violationLog=off                            # off | error | warn | info | debug | trace
 * ratelimit.violationLog.rate=10/1s                     # at most this many violation lines per period
 * </pre>
 *
 * <p>Keys outside {@code ratelimit.} are ignored (a store factory may read them); an unknown key inside it,
 * a policy key for a policy not listed in {@code ratelimit.policies}, a key under a misspelt prefix (one whose
 * first part is within two typing mistakes of {@code ratelimit}, such as {@code ratelimt.} or {@code RateLimit.}),
 * and, in a file, a key written twice, are errors, so a typo never goes unnoticed. A key renamed before 1.0
 * ({@code ratelimit.plans.default}, {@code ratelimit.plan-keys.NAME}) is refused with its new name
 * ({@code ratelimit.defaultPlan}, {@code ratelimit.planKeys.NAME}), and an ISO-8601 duration ({@code PT10S}) with its
 * short form ({@code 10s}). Errors are {@link ConfigException}s that name the source (when known), the key and the
 * value.
 *
 * <p>Immutable and thread-safe.
 */
public final class RateLimitConfig {

    static final String PREFIX = "ratelimit.";
    /** The largest {@code ratelimit.maximumKeys}: the in-memory store holds at most 2^30 keys. */
    static final long MAX_MAXIMUM_KEYS = 1L << 30;

    private final List<Policy> policies;
    private final Plans plans;
    private final List<String> excludes;
    private final TrustedProxies trustedProxies;
    private final boolean legacyHeaders;
    private final FailurePolicy failurePolicy;
    private final boolean localFallback;
    private final Duration reloadInterval;
    private final int localDenyCache;
    private final Level violationLogLevel;
    private final Limit violationLogRate;
    private final Properties properties;
    private final boolean shadowHeaders;
    private final OptionalLong maximumKeys;

    RateLimitConfig(List<Policy> policies, Plans plans, List<String> excludes, TrustedProxies trustedProxies,
            boolean legacyHeaders, boolean shadowHeaders, FailurePolicy failurePolicy, boolean localFallback,
            Duration reloadInterval, int localDenyCache, OptionalLong maximumKeys,
            Level violationLogLevel, Limit violationLogRate, Properties properties) {
        this.shadowHeaders = shadowHeaders;
        this.maximumKeys = maximumKeys;
        this.policies = policies;
        this.plans = plans;
        this.excludes = excludes;
        this.trustedProxies = trustedProxies;
        this.legacyHeaders = legacyHeaders;
        this.failurePolicy = failurePolicy;
        this.localFallback = localFallback;
        this.reloadInterval = reloadInterval;
        this.localDenyCache = localDenyCache;
        this.violationLogLevel = violationLogLevel;
        this.violationLogRate = violationLogRate;
        this.properties = properties;
    }

    /**
     * Reads the properties file at {@code location}: {@code classpath:path/in/classpath.properties} (looked up
     * with the thread's context class loader) or {@code file:/path/on/disk.properties}. The file is read as UTF-8.
     *
     * @param location the file, {@code classpath:...} or {@code file:...}
     * @return the validated configuration
     * @throws IllegalArgumentException if the location has neither prefix, the file does not exist, or its
     *     content is invalid
     * @throws UncheckedIOException if the file cannot be read
     */
    public static RateLimitConfig load(String location) {
        return parse(read(location), location);
    }

    /**
     * Reads a configuration from properties; same as {@code parse(properties, null)}.
     *
     * @param properties the keys of CONFIG.md, and any others outside {@code ratelimit.}
     * @return the validated configuration
     * @throws ConfigException naming the first invalid, unknown or renamed key and its value
     */
    public static RateLimitConfig parse(Properties properties) {
        return parse(properties, null);
    }

    /**
     * Reads a configuration from properties that came from {@code source}.
     *
     * @param properties the keys of CONFIG.md, and any others outside {@code ratelimit.}
     * @param source where the properties came from, such as a file location or {@code "Spring environment"}, named
     *     in errors; or null
     * @return the validated configuration
     * @throws ConfigException naming the source, the first invalid, unknown or renamed key and its value
     */
    public static RateLimitConfig parse(Properties properties, String source) {
        Objects.requireNonNull(properties, "properties");
        Properties copy = new Properties();
        for (String name : properties.stringPropertyNames()) {
            copy.setProperty(name, properties.getProperty(name));
        }
        try {
            return new ConfigParser(copy).parse();
        } catch (ConfigException e) {
            throw source == null ? e : new ConfigException(source, e.key(), "configuration " + source + ": "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(source, null, source == null ? e.getMessage()
                    : "configuration " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * A configuration made in code: these policies, plans, excluded paths and header options, with the defaults of
     * CONFIG.md for everything else (no reload, no violation log, the store's own bounds).
     */
    static RateLimitConfig of(List<Policy> policies, Plans plans, List<String> excludes, boolean legacyHeaders,
            boolean shadowHeaders, FailurePolicy failurePolicy, boolean localFallback, int localDenyCache) {
        return new RateLimitConfig(List.copyOf(policies), plans, List.copyOf(excludes), TrustedProxies.none(),
                legacyHeaders, shadowHeaders, failurePolicy, localFallback, Duration.ZERO, localDenyCache,
                OptionalLong.empty(), null, Limit.parse("10/1s"), new Properties());
    }

    /**
     * This configuration with other policies; everything else is kept.
     *
     * @param newPolicies the policies, in evaluation order
     * @return the new configuration
     * @throws IllegalArgumentException if two policies have one name
     */
    public RateLimitConfig withPolicies(List<Policy> newPolicies) {
        Objects.requireNonNull(newPolicies, "newPolicies");
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Policy policy : newPolicies) {
            Objects.requireNonNull(policy, "policy");
            if (!names.add(policy.name())) {
                throw new IllegalArgumentException("two policies are named " + policy.name());
            }
        }
        return new RateLimitConfig(List.copyOf(newPolicies), plans, excludes, trustedProxies, legacyHeaders,
                shadowHeaders, failurePolicy, localFallback, reloadInterval, localDenyCache, maximumKeys,
                violationLogLevel, violationLogRate, properties);
    }

    /**
     * This configuration with other plans; everything else is kept.
     *
     * @param newPlans the plans
     * @return the new configuration
     */
    public RateLimitConfig withPlans(Plans newPlans) {
        Objects.requireNonNull(newPlans, "newPlans");
        return new RateLimitConfig(policies, newPlans, excludes, trustedProxies, legacyHeaders, shadowHeaders,
                failurePolicy, localFallback, reloadInterval, localDenyCache, maximumKeys, violationLogLevel,
                violationLogRate, properties);
    }

    /** {@return the policies, in evaluation order} */
    public List<Policy> policies() {
        return policies;
    }

    /** {@return the plans; {@link Plans#none()} if none are defined} */
    public Plans plans() {
        return plans;
    }

    /** {@return the excluded path patterns} */
    public List<String> excludes() {
        return excludes;
    }

    /** {@return the trusted proxies the {@code ip} key uses} */
    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    /** {@return whether {@code X-RateLimit-*} headers are written} */
    public boolean legacyHeaders() {
        return legacyHeaders;
    }

    /**
     * {@return whether shadow policies appear in the rate-limit response headers ({@code ratelimit.headers.shadow})}
     */
    public boolean shadowHeaders() {
        return shadowHeaders;
    }

    /**
     * The most keys the engine's own in-memory store holds ({@code ratelimit.maximumKeys}), or empty for the store's
     * default bounds. Read when the engine starts; unused when a store is given to it.
     *
     * @return the bound, or empty
     */
    public OptionalLong maximumKeys() {
        return maximumKeys;
    }

    /**
     * {@return what limiters decide when the store fails; {@link FailurePolicy#allow()} if {@link #localFallback()}}
     */
    public FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /**
     * {@return whether a failing store is replaced by in-memory limiters with the same limits ({@code
     * failurePolicy=local})}
     */
    public boolean localFallback() {
        return localFallback;
    }

    /** {@return how often the file is checked for changes; {@link Duration#ZERO} if never} */
    public Duration reloadInterval() {
        return reloadInterval;
    }

    /**
     * {@return how many denied keys each limiter remembers locally (see {@code RateLimiter.Builder#localDenyCache});
     * 0 if off}
     */
    public int localDenyCache() {
        return localDenyCache;
    }

    /**
     * {@return the level denied requests are logged at through a {@code ViolationLog}, or {@code null} if not logged}
     */
    public Level violationLogLevel() {
        return violationLogLevel;
    }

    /** {@return the violation log's rate: at most {@code permits()} lines per {@code period}} */
    public Limit violationLogRate() {
        return violationLogRate;
    }

    /** {@return a copy of every property, including those outside {@code ratelimit.}} */
    public Properties properties() {
        Properties copy = new Properties();
        for (String name : properties.stringPropertyNames()) {
            copy.setProperty(name, properties.getProperty(name));
        }
        return copy;
    }

    /**
     * Reads the properties file at {@code location} as {@link #load} does (UTF-8; a key written twice is an error), but
     * does not validate the keys: for a front door that takes out keys of its own or puts other sources on top before
     * it calls {@link #parse(Properties, String)}.
     *
     * @param location the file, {@code classpath:...} or {@code file:...}
     * @param loader the class loader that finds {@code classpath:} resources
     * @return the properties, in a new object
     * @throws ConfigException naming the location if it has neither prefix, the file does not exist or cannot be
     *     read, it is not a properties file, or it writes a key twice (then naming the key and both values)
     * @throws NullPointerException if an argument is null
     */
    public static Properties readProperties(String location, ClassLoader loader) {
        Objects.requireNonNull(loader, "loader");
        byte[] bytes;
        try {
            bytes = read(location, loader);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new ConfigException(location, null, e.getMessage(), e);
        }
        Properties properties = properties(bytes, location);
        Properties copy = new Properties();
        copy.putAll(properties);
        return copy;
    }

    /** Reads the bytes at a location (see {@link #load}), {@code classpath:} with the thread's context class loader. */
    static byte[] read(String location) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return read(location, loader != null ? loader : RateLimitConfig.class.getClassLoader());
    }

    private static byte[] read(String location, ClassLoader loader) {
        Objects.requireNonNull(location, "location");
        try {
            if (location.startsWith("classpath:")) {
                String resource = location.substring("classpath:".length());
                while (resource.startsWith("/")) {
                    resource = resource.substring(1);
                }
                try (InputStream in = loader.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalArgumentException("configuration " + location + " was not found on the"
                                + " class path");
                    }
                    return in.readAllBytes();
                }
            }
            if (location.startsWith("file:")) {
                Path path = Path.of(location.substring("file:".length()));
                try {
                    return Files.readAllBytes(path);
                } catch (NoSuchFileException e) {
                    throw new IllegalArgumentException("configuration " + location + " does not exist", e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read configuration " + location, e);
        }
        throw new IllegalArgumentException("configuration location must start with classpath: or file: but was \""
                + location + "\"");
    }

    static RateLimitConfig parse(byte[] content, String location) {
        return parse(properties(content, location), location);
    }

    /** The properties in a file's bytes; a key written twice is an error. */
    private static Properties properties(byte[] content, String location) {
        Properties properties = new SingleAssignmentProperties();
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (DuplicateKeyException e) {
            throw new ConfigException(location, e.key, "configuration " + location + ": " + e.getMessage(), e);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(location, null, "configuration " + location + " is not a properties file: "
                    + e.getMessage(), e);
        }
        return properties;
    }

    /** A key written twice in one file. */
    private static final class DuplicateKeyException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final String key;

        DuplicateKeyException(String key, String message) {
            super(message);
            this.key = key;
        }
    }

    /**
     * Properties that refuse a second value for a key while a file is loaded: {@code Properties.load} would keep the
     * last one silently, so of two lines for one key, the one a reader looks at may not be the one in force.
     */
    private static final class SingleAssignmentProperties extends Properties {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Object put(Object key, Object value) {
            Object previous = get(key);
            if (previous != null) {
                throw new DuplicateKeyException(String.valueOf(key), "the key " + key + " is written twice (" + key + "="
                        + previous + " and " + key + "=" + value + "); remove one of them");
            }
            return super.put(key, value);
        }
    }
}
