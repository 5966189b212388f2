package dev.ratelimit.servlet;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.ViolationLog;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces rate-limit {@link Policy policies} on HTTP requests: a drop-in {@code jakarta.servlet.Filter} for
 * web.xml, Spring's {@code FilterRegistrationBean} or any servlet container (Servlet 5 and 6).
 *
 * <h2>In code</h2>
 * <pre>{@code
 * RateLimitFilter filter = RateLimitFilter.builder()
 *         .policy(Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse("1000/s")).build())
 *         .policy(Policy.builder("perIp").paths("/api/**")
 *                 .key(KeyResolver.clientIp(TrustedProxies.of("10.0.0.0/8")))
 *                 .limits(Limit.parse("20/s"), Limit.parse("1000/1h")).build())
 *         .exclude("/health")
 *         .store(store)                     // in-memory by default
 *         .build();
 * }</pre>
 *
 * <h2>In web.xml</h2>
 * The no-argument constructor reads the init-param {@code config} ({@code classpath:...} or {@code file:...};
 * default {@code classpath:ratelimit.properties}, keys in {@link RateLimitConfig}) and the optional init-param
 * {@code storeFactory} (a {@link StoreFactory} class name; default an in-memory store).
 *
 * <h2>What a request gets</h2>
 * Requests on an excluded path, and requests no policy applies to, pass untouched. Otherwise every applicable
 * policy resolves its key first: a missing key is answered 401 (or counted in a shared anonymous bucket, as the
 * policy says), and so is a key on no plan when there is no default plan; nothing is spent then. Then the policies
 * are acquired in order, all or nothing: if an enforced policy denies, the later ones are not asked and what the
 * earlier ones spent is given back, and the answer is 429 with {@code Retry-After} (whole seconds, rounded up, at
 * least 1) and an {@code application/problem+json} body. The give-back is exact unless a refund cannot restore
 * what was spent because another request on the same key spent in between (a window that is already full again,
 * a window that rolled over): then an earlier policy stays charged for the denied request, never the reverse. Every limited response carries
 * {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-10, one item per policy)
 * and, unless switched off, {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and
 * {@code X-RateLimit-Reset}. A shadow policy is decided and reported (listener, metrics, violation log) but never
 * blocks, and appears in the headers only with {@link Builder#shadowHeaders(boolean)}. A policy on {@code GET} also
 * covers {@code HEAD}. A 401 carries a {@code WWW-Authenticate} challenge.
 *
 * <p>A store failure is decided by the {@link FailurePolicy} (allow by default; deny answers 429 with
 * {@code Retry-After: 1}), or by in-memory limiters with the same limits ({@link Builder#localFallback()}); it
 * never becomes a 500.
 *
 * <h2>Changes at run time</h2>
 * {@link #updatePolicies} and {@link #updatePlans} replace policies and plans; a configuration file is re-read when
 * it changes, checked at most once per reload interval by the first request after it, or at once by
 * {@link #reloadConfiguration()}. Limiters whose definition
 * did not change are kept, and with them their state. A broken file is logged and the previous configuration
 * kept.
 *
 * <p>Thread-safe. The filter applies once per request, even when mapped to several dispatcher types.
 */
public final class RateLimitFilter implements Filter {

    /** The init-param naming the configuration file. */
    public static final String CONFIG_PARAM = "config";
    /** The init-param naming a {@link StoreFactory} class. */
    public static final String STORE_FACTORY_PARAM = "storeFactory";
    /** The configuration read when web.xml names none. */
    public static final String DEFAULT_CONFIG = "classpath:ratelimit.properties";

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);
    private static final String APPLIED = RateLimitFilter.class.getName() + ".APPLIED";

    private final Object updateLock = new Object();
    private final boolean programmatic;
    private volatile Enforcer enforcer;
    private TimeSource time;
    private FailurePolicy failurePolicyOverride;
    private boolean localFallbackOverride;
    private int localDenyCacheOverride = -1;
    private Boolean shadowHeadersOverride;
    /**
     * The file's {@code ratelimit.maximumKeys} the filter's own store was made with (null if the store is not the
     * filter's own); a change applies at the next start.
     */
    private OptionalLong startMaximumKeys;
    private FilterListener listener;
    private LimiterPool pool;
    private RateLimitStore store;
    private boolean ownsStore;
    private ConfigFile configFile;

    /**
     * For web.xml: the filter is configured in {@link #init} from its init-params. Use {@link #builder()} in code.
     */
    public RateLimitFilter() {
        this.programmatic = false;
    }

    private RateLimitFilter(Builder b) {
        this.programmatic = true;
        this.time = b.timeSource != null ? b.timeSource : TimeSource.system();
        this.failurePolicyOverride = b.failurePolicy;
        this.localFallbackOverride = b.localFallback;
        this.localDenyCacheOverride = b.localDenyCache;
        this.shadowHeadersOverride = b.shadowHeaders;
        this.listener = new FilterListener(b.listener);
        if (b.configLocation != null) {
            this.configFile = new ConfigFile(b.configLocation, time, updateLock, this::applyConfig);
            ConfigFile.Content content = configFile.read();
            this.store = b.store != null ? b.store : defaultStore(content.config().maximumKeys());
            this.startMaximumKeys = b.store != null ? null : content.config().maximumKeys();
            this.ownsStore = b.store == null;
            this.pool = new LimiterPool(store, time, listener);
            configFile.install(content);
        } else {
            this.store = b.store != null ? b.store : defaultStore(OptionalLong.empty());
            this.ownsStore = b.store == null;
            this.pool = new LimiterPool(store, time, listener);
            Enforcer.Settings settings = new Enforcer.Settings(List.copyOf(b.policies),
                    b.plans != null ? b.plans : Plans.none(), List.copyOf(b.excludes),
                    b.legacyHeaders == null || b.legacyHeaders, b.shadowHeaders != null && b.shadowHeaders,
                    b.failurePolicy != null ? b.failurePolicy : FailurePolicy.allow(), b.localFallback,
                    Math.max(0, b.localDenyCache));
            this.enforcer = Enforcer.compile(settings, pool);
        }
    }

    /** A builder for a filter configured in code. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * For a filter made by the no-argument constructor, reads the init-params {@code config} and
     * {@code storeFactory}, creates the store and loads the configuration. A filter made by the builder is
     * already configured and ignores init-params.
     *
     * @throws ServletException if the configuration cannot be read or is invalid, or the store factory fails
     */
    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        if (programmatic) {
            return;
        }
        synchronized (updateLock) {
            if (enforcer != null) {
                throw new IllegalStateException("RateLimitFilter was already initialised");
            }
            String location = filterConfig.getInitParameter(CONFIG_PARAM);
            String factoryName = filterConfig.getInitParameter(STORE_FACTORY_PARAM);
            try {
                String where = location == null || location.isBlank() ? DEFAULT_CONFIG : location.trim();
                this.time = TimeSource.system();
                ConfigFile file = new ConfigFile(where, time, updateLock, this::applyConfig);
                ConfigFile.Content content = file.read();
                boolean own = factoryName == null || factoryName.isBlank();
                this.store = own ? defaultStore(content.config().maximumKeys())
                        : createStore(factoryName.trim(), content.config());
                this.startMaximumKeys = own ? content.config().maximumKeys() : null;
                this.ownsStore = true;
                this.listener = new FilterListener(null);
                this.pool = new LimiterPool(store, time, listener);
                this.configFile = file;
                file.install(content);
                LOG.info("Rate limit filter {} loaded {}: {} policies", filterConfig.getFilterName(), where,
                        content.config().policies().size());
            } catch (RuntimeException e) {
                throw new ServletException("RateLimitFilter " + filterConfig.getFilterName() + ": " + e.getMessage(),
                        e);
            }
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)
                || request.getAttribute(APPLIED) != null) {
            chain.doFilter(request, response);
            return;
        }
        if (enforcer == null) {
            throw new ServletException("RateLimitFilter was not initialised");
        }
        request.setAttribute(APPLIED, Boolean.TRUE);
        ConfigFile file = configFile;
        if (file != null) {
            file.checkIfDue();
        }
        Enforcer current = enforcer;
        Enforcer.Outcome outcome = current.evaluate(http);
        switch (outcome.verdict()) {
            case PASS -> chain.doFilter(request, response);
            case ALLOW -> {
                ResponseWriter.headers(out, outcome.items(), null, current.legacyHeaders(), current.shadowHeaders());
                if (!current.settlesOnStatus()) {
                    chain.doFilter(request, response);
                    return;
                }
                boolean completed = false;
                try {
                    chain.doFilter(request, response);
                    completed = true;
                } finally {
                    if (request.isAsyncStarted()) {
                        // The answer comes later, from another thread: settle when the container completes it.
                        request.getAsyncContext().addListener(new SettleOnComplete(current, outcome.items(), out));
                    } else {
                        // An exception the container turns into a 500 counts as a 500 unless the answer was sent.
                        int status = completed || out.isCommitted() ? out.getStatus() : 500;
                        current.settle(outcome.items(), status);
                    }
                }
            }
            case DENY -> {
                ResponseWriter.headers(out, outcome.items(), outcome.denied(), current.legacyHeaders(),
                        current.shadowHeaders());
                ResponseWriter.tooManyRequests(out, outcome.denied());
            }
            case MISSING_KEY -> ResponseWriter.missingKey(out, outcome.rejectedBy());
            case UNKNOWN_PLAN -> ResponseWriter.unknownPlan(out, outcome.rejectedBy());
        }
    }

    /** Settles an asynchronous request by the status it was completed with (a 500 after an error or timeout). */
    private record SettleOnComplete(Enforcer enforcer, List<Enforcer.Item> items, HttpServletResponse response)
            implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            enforcer.settle(items, response.getStatus());
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // Started again (for example after a dispatch): keep listening to the new cycle.
            event.getAsyncContext().addListener(this);
        }
    }

    /** Closes the store if the filter created it (in-memory default or from a {@link StoreFactory}). */
    @Override
    public void destroy() {
        if (ownsStore && store != null) {
            try {
                store.close();
            } catch (RuntimeException e) {
                LOG.warn("Rate limit filter: closing the store {} failed", store, e);
            }
        }
    }

    /**
     * Replaces the policies. Limiters of policies whose name, algorithm and limits are unchanged are kept, with
     * their state; the others start fresh. Requests in flight finish with the policies they started with.
     *
     * @throws IllegalArgumentException if the policies are invalid together (duplicate names, a plan policy without
     *     plans, a cost a plan cannot hold); the current policies stay then
     * @throws IllegalStateException if the filter is not initialised
     */
    public void updatePolicies(List<Policy> policies) {
        Objects.requireNonNull(policies, "policies");
        for (Policy policy : policies) {
            Objects.requireNonNull(policy, "policy");
        }
        synchronized (updateLock) {
            enforcer = Enforcer.compile(current().settings().withPolicies(policies), pool);
        }
    }

    /**
     * Replaces the plans. Limiters of plans whose limits are unchanged are kept, with their state.
     *
     * @throws IllegalArgumentException if a policy cannot use the new plans (a cost a plan cannot hold, or no plan
     *     for a policy that takes its limits from plans); the current plans stay then
     * @throws IllegalStateException if the filter is not initialised
     */
    public void updatePlans(Plans plans) {
        Objects.requireNonNull(plans, "plans");
        synchronized (updateLock) {
            enforcer = Enforcer.compile(current().settings().withPlans(plans), pool);
        }
    }

    /**
     * Re-reads the configuration file now, whatever the reload interval (also when reloading is {@code off}), for
     * example from an operations endpoint after a deployment changed the file. Limiters of unchanged policies and
     * plans keep their state, as on a timed reload.
     *
     * @return true if the file had changed and the new configuration is now in force; false if it is unchanged
     * @throws IllegalStateException if the filter was configured in code without a configuration file
     * @throws IllegalArgumentException if the file cannot be found or the changed file is invalid, naming the bad
     *     key and value; the current configuration stays in force
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public boolean reloadConfiguration() {
        current();
        if (configFile == null) {
            throw new IllegalStateException("this filter has no configuration file to reload; replace policies and"
                    + " plans with updatePolicies and updatePlans");
        }
        return configFile.reloadNow();
    }

    /**
     * Spends {@code permits} more on the bucket {@code key} has under the policy named {@code policyName}, without
     * checking the limits: a penalty, for example after a failed login. For a policy with plans, the bucket of the
     * key's plan.
     *
     * @param key the key as the policy's {@link KeyResolver} gives it (use {@link #penalize(String,
     *     HttpServletRequest, long)} to resolve it from a request)
     * @return the key's state afterwards, as a request for zero permits would see it
     * @throws IllegalArgumentException if there is no such policy, the key is empty or on no plan, or permits is
     *     not positive
     */
    public Decision penalize(String policyName, String key, long permits) {
        return current().limiterFor(policyName, checkKey(key)).penalize(key, permits);
    }

    /** {@link #penalize(String, String, long)} for the key the policy resolves from {@code request}. */
    public Decision penalize(String policyName, HttpServletRequest request, long permits) {
        Enforcer e = current();
        String key = keyOf(e, policyName, request);
        return e.limiterFor(policyName, key).penalize(key, permits);
    }

    /**
     * Gives {@code permits} back to the bucket {@code key} has under the policy named {@code policyName}, for
     * example when the request they were spent on failed upstream (see also
     * {@link Policy.Builder#refundOnStatus}). Never beyond the full allowance.
     *
     * @return the key's state afterwards, as a request for zero permits would see it
     * @throws IllegalArgumentException if there is no such policy, the key is empty or on no plan, or permits is
     *     not positive
     */
    public Decision refund(String policyName, String key, long permits) {
        return current().limiterFor(policyName, checkKey(key)).refund(key, permits);
    }

    /** {@link #refund(String, String, long)} for the key the policy resolves from {@code request}. */
    public Decision refund(String policyName, HttpServletRequest request, long permits) {
        Enforcer e = current();
        String key = keyOf(e, policyName, request);
        return e.limiterFor(policyName, key).refund(key, permits);
    }

    private static String checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        return key;
    }

    private static String keyOf(Enforcer e, String policyName, HttpServletRequest request) {
        Objects.requireNonNull(request, "request");
        for (Policy policy : e.settings().policies()) {
            if (policy.name().equals(policyName)) {
                String key = policy.key().resolve(request);
                if (key == null || key.isEmpty()) {
                    if (policy.missingKey() == Policy.MissingKey.REJECT) {
                        throw new IllegalArgumentException("the request has no key for policy " + policyName + " ("
                                + policy.key() + ")");
                    }
                    return Enforcer.ANONYMOUS_KEY;
                }
                return key;
            }
        }
        throw new IllegalArgumentException("no policy is named " + policyName);
    }

    /** The policies in force. */
    public List<Policy> policies() {
        return current().settings().policies();
    }

    /** The plans in force. */
    public Plans plans() {
        return current().settings().plans();
    }

    /** The store the limiters use, for tests in this package. */
    RateLimitStore store() {
        return store;
    }

    /** The compiled configuration in force, for tests in this package. */
    Enforcer enforcer() {
        return current();
    }

    private Enforcer current() {
        Enforcer e = enforcer;
        if (e == null) {
            throw new IllegalStateException("RateLimitFilter was not initialised");
        }
        return e;
    }

    /** Compiles and installs a configuration from the file; {@link ConfigFile} calls it under the update lock. */
    private void applyConfig(RateLimitConfig config) {
        if (startMaximumKeys != null && !startMaximumKeys.equals(config.maximumKeys())) {
            LOG.warn("Rate limit filter: ratelimit.maximumKeys changed to {}; the store keeps the bound it was made"
                    + " with until the next start", config.maximumKeys().isPresent()
                            ? config.maximumKeys().getAsLong() : "the store's default");
        }
        boolean overridden = failurePolicyOverride != null || localFallbackOverride;
        Enforcer.Settings settings = new Enforcer.Settings(config.policies(), config.plans(), config.excludes(),
                config.legacyHeaders(),
                shadowHeadersOverride != null ? shadowHeadersOverride : config.shadowHeaders(),
                overridden ? failurePolicyOverride : config.failurePolicy(),
                overridden ? localFallbackOverride : config.localFallback(),
                localDenyCacheOverride >= 0 ? localDenyCacheOverride : config.localDenyCache());
        this.enforcer = Enforcer.compile(settings, pool);
        listener.violations(config.violationLogLevel() == null ? null : ViolationLog.builder()
                .level(config.violationLogLevel())
                .rate(config.violationLogRate().permits(), config.violationLogRate().period())
                .timeSource(time)
                .build());
    }

    /**
     * The filter's own store when none is given: in memory, bounded by {@code maximumKeys} if set, else by the
     * store's own default bounds. Keys come from requests, so without a bound a client sending distinct header
     * values would fill the heap.
     */
    private static RateLimitStore defaultStore(OptionalLong maximumKeys) {
        return maximumKeys.isPresent() ? InMemoryStore.builder().maximumKeys(maximumKeys.getAsLong()).build()
                : InMemoryStore.create();
    }

    private static RateLimitStore createStore(String className, RateLimitConfig config) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = RateLimitFilter.class.getClassLoader();
        }
        Object factory;
        try {
            factory = Class.forName(className, true, loader).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException(STORE_FACTORY_PARAM + " " + className
                    + " cannot be instantiated: it must be a public class with a public no-argument constructor"
                    + " (" + e + ")", e);
        }
        if (!(factory instanceof StoreFactory storeFactory)) {
            throw new IllegalArgumentException(STORE_FACTORY_PARAM + " " + className + " does not implement "
                    + StoreFactory.class.getName());
        }
        RateLimitStore created = storeFactory.create(config.properties());
        if (created == null) {
            throw new IllegalArgumentException(STORE_FACTORY_PARAM + " " + className + " returned no store");
        }
        return created;
    }

    /**
     * Builds a {@link RateLimitFilter} configured in code. Policies and excludes may be added repeatedly; every
     * other option may be set once. Either policies or a {@link #configLocation} is required. Not thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #policy} / {@link #policies}</td><td>required unless {@link #configLocation}</td></tr>
     *   <tr><td>{@link #configLocation}</td><td>none: policies come from the builder</td></tr>
     *   <tr><td>{@link #exclude}</td><td>none</td></tr>
     *   <tr><td>{@link #plans}</td><td>{@link Plans#none()}</td></tr>
     *   <tr><td>{@link #store}</td><td>a new {@link InMemoryStore} with its default bounds (or the file's
     *       {@code ratelimit.maximumKeys})</td></tr>
     *   <tr><td>{@link #timeSource}</td><td>{@link TimeSource#system()}</td></tr>
     *   <tr><td>{@link #failurePolicy} or {@link #localFallback}</td><td>{@link FailurePolicy#allow()} (or the
     *       file's)</td></tr>
     *   <tr><td>{@link #legacyHeaders}</td><td>true</td></tr>
     *   <tr><td>{@link #shadowHeaders}</td><td>false (or the file's)</td></tr>
     *   <tr><td>{@link #listener}</td><td>none</td></tr>
     *   <tr><td>{@link #localDenyCache}</td><td>0: off (or the file's)</td></tr>
     * </table>
     */
    public static final class Builder {
        private final List<Policy> policies = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private Plans plans;
        private RateLimitStore store;
        private TimeSource timeSource;
        private FailurePolicy failurePolicy;
        private Boolean legacyHeaders;
        private RateLimitListener listener;
        private String configLocation;
        private int localDenyCache = -1;
        private boolean localFallback;
        private Boolean shadowHeaders;

        private Builder() {
        }

        /** Adds a policy; policies are evaluated in the order added. */
        public Builder policy(Policy policy) {
            Objects.requireNonNull(policy, "policy");
            policies.add(policy);
            return this;
        }

        /** Adds each policy as {@link #policy(Policy)} does. */
        public Builder policies(List<Policy> policies) {
            Objects.requireNonNull(policies, "policies");
            for (Policy policy : policies) {
                policy(policy);
            }
            return this;
        }

        /**
         * Adds path patterns (same syntax as {@link Policy.Builder#paths}) that bypass every policy, such as
         * {@code /health}.
         *
         * @throws IllegalArgumentException if a pattern is invalid
         */
        public Builder exclude(String... patterns) {
            Objects.requireNonNull(patterns, "patterns");
            for (String pattern : patterns) {
                PathPattern.parse(pattern);
                excludes.add(pattern);
            }
            return this;
        }

        /** The plans for policies that take their limits from plans. */
        public Builder plans(Plans plans) {
            checkUnset("plans", this.plans);
            this.plans = Objects.requireNonNull(plans, "plans");
            return this;
        }

        /**
         * Where the limiters keep state. By default a new {@link InMemoryStore} with its default bounds (at most
         * {@code ratelimit.maximumKeys} keys with a {@link #configLocation} that sets it), which the filter closes
         * in {@code destroy()}; the filter never closes a store given here. Pass
         * {@code InMemoryStore.builder().maximumKeys(n).build()} to choose the bound in code.
         */
        public Builder store(RateLimitStore store) {
            checkUnset("store", this.store);
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The limiters' clock, also used to time configuration reloads; the system clock by default. */
        public Builder timeSource(TimeSource timeSource) {
            checkUnset("timeSource", this.timeSource);
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * What limiters decide when the store fails; allow by default. Overrides a configuration file's.
         *
         * @throws IllegalStateException if already set, or {@link #localFallback()} was called
         */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            checkUnset("failurePolicy", this.failurePolicy);
            if (localFallback) {
                throw new IllegalStateException("localFallback was already chosen as the failure policy");
            }
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /**
         * While the store fails, each policy's limits are enforced by an in-memory limiter in this JVM instead
         * (its state starts empty and is separate per instance, so N instances admit up to N times a limit during
         * an outage). Keeps clients limited when a remote store is down, where {@code allow} would not limit at
         * all. Overrides a configuration file's failure policy ({@code ratelimit.failurePolicy=local} is the same).
         *
         * @throws IllegalStateException if a failure policy was set
         */
        public Builder localFallback() {
            if (failurePolicy != null || localFallback) {
                throw new IllegalStateException("the failure policy was already set to "
                        + (localFallback ? "localFallback" : failurePolicy));
            }
            this.localFallback = true;
            return this;
        }

        /** Whether {@code X-RateLimit-Limit/-Remaining/-Reset} are written; true by default. */
        public Builder legacyHeaders(boolean legacyHeaders) {
            checkUnset("legacyHeaders", this.legacyHeaders);
            this.legacyHeaders = legacyHeaders;
            return this;
        }

        /**
         * Whether shadow policies appear in {@code RateLimit-Policy}, {@code RateLimit} and {@code X-RateLimit-*};
         * false by default. A shadow policy is not enforced, so a client that honours its {@code r=0} would throttle
         * itself for nothing; it is reported to the listener, metrics and the violation log either way. Overrides a
         * configuration file's {@code ratelimit.headers.shadow}.
         */
        public Builder shadowHeaders(boolean shadowHeaders) {
            checkUnset("shadowHeaders", this.shadowHeaders);
            this.shadowHeaders = shadowHeaders;
            return this;
        }

        /**
         * Told of every decision of every policy's limiter (named {@code http:POLICY} or {@code http:POLICY:PLAN}),
         * shadow policies included, and of store failures.
         */
        public Builder listener(RateLimitListener listener) {
            checkUnset("listener", this.listener);
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Makes every policy's limiter remember, for up to {@code maximumKeys} keys, that a key was denied until its
         * retry time, and deny it again without a store call until then (see
         * {@code RateLimiter.Builder#localDenyCache}): with a remote store, a client flooding one key costs one
         * store call per retry period instead of one per request. Off by default. Overrides a configuration file's
         * {@code ratelimit.localDenyCache}.
         *
         * @throws IllegalArgumentException if maximumKeys is negative
         */
        public Builder localDenyCache(int maximumKeys) {
            if (localDenyCache >= 0) {
                throw new IllegalStateException("localDenyCache was already set to " + localDenyCache);
            }
            if (maximumKeys < 0) {
                throw new IllegalArgumentException("localDenyCache must be 0 (off) or more but was " + maximumKeys);
            }
            this.localDenyCache = maximumKeys;
            return this;
        }

        /**
         * Takes policies, plans, excludes and headers from a properties file ({@code classpath:...} or
         * {@code file:...}; see {@link RateLimitConfig}), re-read when it changes.
         *
         * @throws IllegalArgumentException if the location has neither prefix
         */
        public Builder configLocation(String location) {
            checkUnset("configLocation", this.configLocation);
            Objects.requireNonNull(location, "location");
            if (!location.startsWith("classpath:") && !location.startsWith("file:")) {
                throw new IllegalArgumentException("configLocation must start with classpath: or file: but was \""
                        + location + "\"");
            }
            this.configLocation = location;
            return this;
        }

        /**
         * The filter, ready to use.
         *
         * @throws IllegalStateException if there are neither policies nor a configLocation, or both a
         *     configLocation and policies, excludes, plans or legacyHeaders
         * @throws IllegalArgumentException if the policies are invalid together or the configuration file is
         */
        public RateLimitFilter build() {
            if (configLocation != null) {
                if (!policies.isEmpty() || !excludes.isEmpty() || plans != null || legacyHeaders != null) {
                    throw new IllegalStateException("configLocation " + configLocation + " supplies policies,"
                            + " excludes, plans and legacyHeaders; do not set them in the builder too");
                }
            } else if (policies.isEmpty()) {
                throw new IllegalStateException("no policy was added: call policy(...) or configLocation(...)");
            }
            return new RateLimitFilter(this);
        }

        private static void checkUnset(String option, Object current) {
            if (current != null) {
                throw new IllegalStateException(option + " was already set to " + current);
            }
        }
    }
}
