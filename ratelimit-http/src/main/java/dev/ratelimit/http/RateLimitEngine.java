package dev.ratelimit.http;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TimeSource;
import dev.ratelimit.ViolationLog;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.spi.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP rate-limit engine: a configuration and a store in, a decision and response values out, for any front door
 * (servlet filter, Spring, AWS Lambda) that can present its request as an {@link HttpRequestView}.
 *
 * <pre>{@code
 * RateLimitEngine engine = RateLimitEngine.builder()
 *         .config(RateLimitConfig.load("classpath:ratelimit.properties"))
 *         .store(store)                                  // in-memory (bounded) by default
 *         .build();
 *
 * Evaluation e = engine.evaluate(view);
 * if (!e.proceed()) {
 *     send(e.rejection());                               // 429 or 401: status, headers, problem+json body
 * } else {
 *     addHeaders(e.responseHeaders());
 *     int status = callApplication();
 *     e.complete(status);                                // refunds and penalties by status
 * }
 * }</pre>
 *
 * <h2>What a request gets</h2>
 * Requests on an excluded path, and requests no policy applies to, proceed untouched. Otherwise every applicable
 * policy resolves its key first: a missing key is answered 401 (or counted in a shared anonymous bucket, as the
 * policy says), and so is a key on no plan when there is no default plan; nothing is spent then. Then the policies
 * are acquired in order, all or nothing: if an enforced policy denies, the later ones are not asked and what the
 * earlier ones spent is given back, and the answer is 429 with {@code Retry-After} (whole seconds, rounded up, at
 * least 1) and an {@code application/problem+json} body. The give-back is exact unless another request on the same
 * key spent in between (a window that is already full again, a window that rolled over): then an earlier policy
 * stays charged for the denied request, never the reverse. Every limited response carries {@code RateLimit-Policy}
 * and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-10, one item per policy) and, unless switched off,
 * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset}. A shadow policy is decided
 * and reported (listener, metrics, violation log) but never blocks, and appears in the headers only with
 * {@link Builder#shadowHeaders(boolean)}. A policy on {@code GET} also covers {@code HEAD}. A 401 carries a
 * {@code WWW-Authenticate} challenge.
 *
 * <p>A store failure is decided by the {@link FailurePolicy} (allow by default; deny answers 429 with
 * {@code Retry-After: 1}), or by in-memory limiters with the same limits ({@link Builder#localFallback()}).
 *
 * <h2>Changes at run time</h2>
 * {@link #update}, {@link #updatePolicies} and {@link #updatePlans} replace the configuration; a configuration file
 * ({@link Builder#configLocation}) is re-read when it changes, checked at most once per reload interval by the first
 * request after it, or at once by {@link #reloadConfiguration()}. Limiters whose definition did not change are
 * kept, and with them their state. A broken file is logged and the previous configuration kept.
 *
 * <p>Thread-safe: every method may be called from any thread; a request always sees one whole configuration.
 * Unless given an executor, the engine runs its asynchronous work (settlements, refunds after a denial on the
 * asynchronous path) on up to 4 daemon threads of its own, with a bounded queue ({@link Builder#executor});
 * {@link #close()} ends them.
 */
public final class RateLimitEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitEngine.class);

    private final Object updateLock = new Object();
    private final TimeSource time;
    private final RateLimitStore store;
    private final boolean ownsStore;
    private final EngineListener listener;
    private final LimiterPool pool;
    private final Executor executor;
    /** The executor the engine made (and shuts down on close), or null when the builder was given one. */
    private final ExecutorService ownExecutor;
    private final ConfigFile configFile;
    /** Keeps the configuration in step with a {@link Builder#configSource}; null without one. */
    private final SourceWatcher watcher;
    private final FailurePolicy failurePolicyOverride;
    private final boolean localFallbackOverride;
    private final int localDenyCacheOverride;
    private final Boolean shadowHeadersOverride;
    /** The {@code ratelimit.maximumKeys} the engine's own store was made with; null if the store was given. */
    private final OptionalLong startMaximumKeys;
    private volatile Enforcer enforcer;
    private volatile RateLimitConfig config;

    private RateLimitEngine(Builder b) {
        this.time = b.timeSource != null ? b.timeSource : TimeSource.system();
        this.ownExecutor = b.executor != null ? null : EngineExecutor.create();
        this.executor = b.executor != null ? b.executor : ownExecutor;
        this.failurePolicyOverride = b.failurePolicy;
        this.localFallbackOverride = b.localFallback;
        this.localDenyCacheOverride = b.localDenyCache;
        this.shadowHeadersOverride = b.shadowHeaders;
        this.listener = new EngineListener(b.listener);
        ConfigFile.Content content = null;
        SourceWatcher.Loaded loaded = null;
        RateLimitConfig initial;
        if (b.configLocation != null) {
            this.configFile = new ConfigFile(b.configLocation, time, updateLock, this::apply);
            this.watcher = null;
            content = configFile.load();
            initial = content.config();
        } else if (b.configSource != null) {
            this.configFile = null;
            this.watcher = new SourceWatcher(b.configSource, updateLock, this::apply);
            try {
                loaded = watcher.first();
            } catch (RuntimeException e) {
                watcher.close();
                throw e;
            }
            initial = loaded.config();
        } else {
            this.configFile = null;
            this.watcher = null;
            initial = b.config != null ? b.config : RateLimitConfig.of(b.policies, b.plans != null ? b.plans
                    : Plans.none(), b.excludes, b.legacyHeaders == null || b.legacyHeaders, false,
                    FailurePolicy.allow(), false, 0);
        }
        this.ownsStore = b.store == null;
        this.store = b.store != null ? b.store : defaultStore(initial.maximumKeys());
        this.startMaximumKeys = b.store != null ? null : initial.maximumKeys();
        this.pool = new LimiterPool(store, time, listener);
        try {
            if (content != null) {
                configFile.install(content);
            } else if (loaded != null) {
                synchronized (updateLock) {
                    watcher.start(loaded);
                }
            } else {
                synchronized (updateLock) {
                    apply(initial);
                }
            }
        } catch (RuntimeException e) {
            if (watcher != null) {
                watcher.close();
            }
            closeOwnStore();
            throw e;
        }
    }

    /**
     * A builder; see {@link Builder} for the options and their defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Decides a request on the limiters' blocking path, spending permits as the class comment describes. Checks
     * a configuration file for a change first when its reload interval has passed.
     *
     * @param request the request
     * @return what to do with it; never null
     */
    public Evaluation evaluate(HttpRequestView request) {
        Objects.requireNonNull(request, "request");
        ConfigFile file = configFile;
        if (file != null) {
            file.checkIfDue();
        }
        return enforcer.evaluate(request);
    }

    /**
     * Decides a request on the limiters' asynchronous path ({@code RateLimiter.tryAcquireAsync}): the calling
     * thread never waits for the store. The policies are still asked in order, each after the previous one
     * answered; the view is read before this method returns. A due configuration-file check and the refunds after
     * a denial run on the engine's {@linkplain Builder#executor executor}.
     *
     * @param request the request
     * @return a stage completed with what to do with it
     */
    public CompletionStage<Evaluation> evaluateAsync(HttpRequestView request) {
        Objects.requireNonNull(request, "request");
        ConfigFile file = configFile;
        if (file != null && file.due()) {
            try {
                executor.execute(file::checkIfDue);
            } catch (RejectedExecutionException e) {
                // the executor is full: a later request makes the check, the file stays due until then
            }
        }
        return enforcer.evaluateAsync(request, executor);
    }

    /**
     * Puts a configuration in force. Limiters of policies and plans whose definition is unchanged are kept, with
     * their state; the others start fresh. Requests in flight finish with the configuration they started with. The
     * builder's overrides (failure policy, local deny cache, shadow headers) still apply; the store is kept (a
     * changed {@code ratelimit.maximumKeys} applies at the next start).
     *
     * @param config the new configuration
     * @throws IllegalArgumentException if the policies cannot use the plans (a cost a plan cannot hold, no plan for
     *     a policy that takes its limits from plans); the current configuration stays then
     */
    public void update(RateLimitConfig config) {
        Objects.requireNonNull(config, "config");
        synchronized (updateLock) {
            apply(config);
        }
    }

    /**
     * Replaces the policies, keeping the rest of the configuration; as {@link #update}.
     *
     * @param policies the policies, in evaluation order
     * @throws IllegalArgumentException if the policies are invalid together (duplicate names, a plan policy without
     *     plans, a cost a plan cannot hold); the current policies stay then
     */
    public void updatePolicies(List<Policy> policies) {
        Objects.requireNonNull(policies, "policies");
        synchronized (updateLock) {
            apply(config.withPolicies(policies));
        }
    }

    /**
     * Replaces the plans, keeping the rest of the configuration; as {@link #update}.
     *
     * @param plans the plans
     * @throws IllegalArgumentException if a policy cannot use the new plans; the current plans stay then
     */
    public void updatePlans(Plans plans) {
        Objects.requireNonNull(plans, "plans");
        synchronized (updateLock) {
            apply(config.withPlans(plans));
        }
    }

    /**
     * Re-reads the configuration file now, whatever the reload interval (also when reloading is {@code off}). With a
     * {@link Builder#configSource}, reads the source now instead (waiting up to 30 s for the read); a bad or
     * unreadable text is then logged and counted as on a poll ({@link #configStatus()}), not thrown.
     *
     * @return true if the file (or the source's version) had changed and the new configuration is now in force;
     *     false if it is unchanged
     * @throws IllegalStateException if the engine has neither a configuration file nor a source
     * @throws IllegalArgumentException if the file cannot be found or the changed file is invalid, naming the bad
     *     key and value; the current configuration stays in force
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public boolean reloadConfiguration() {
        if (watcher != null) {
            String before = watcher.status().version();
            watcher.checkNow(Duration.ofSeconds(30));
            return !before.equals(watcher.status().version());
        }
        if (configFile == null) {
            throw new IllegalStateException("this engine has no configuration file to reload; use update,"
                    + " updatePolicies or updatePlans");
        }
        return configFile.reloadNow();
    }

    /**
     * How the configuration's source is doing: where the configuration comes from, the version in force, how many
     * changed texts were rejected as invalid, how many reads failed, and the latest error; for a metric or an
     * actuator-like endpoint. A configuration given in code reports source {@code code} and version {@code -}.
     *
     * @return a snapshot; never null
     */
    public ConfigStatus configStatus() {
        if (watcher != null) {
            return watcher.status();
        }
        if (configFile != null) {
            return configFile.status();
        }
        return new ConfigStatus("code", "-", 0, 0, null);
    }

    /**
     * The configuration in force, as given or read (without the builder's overrides).
     *
     * @return the configuration
     */
    public RateLimitConfig config() {
        return config;
    }

    /**
     * Spends {@code permits} more on the bucket the policy named {@code policyName} resolves from {@code request},
     * without checking the limits: a penalty, for example after a failed login. The key is found as
     * {@link #evaluate} finds it (a request without one counts against the anonymous bucket if the policy allows
     * one).
     *
     * @param policyName the policy
     * @param request the request whose key is penalised
     * @param permits the permits to spend, 1 or more
     * @return the key's state afterwards, as a request for zero permits would see it
     * @throws IllegalArgumentException if there is no such policy, the request has no key for it, the key is on no
     *     plan, or permits is not positive
     */
    public Decision penalize(String policyName, HttpRequestView request, long permits) {
        Enforcer e = enforcer;
        String key = keyOf(e, policyName, request);
        return e.limiterFor(policyName, key).penalize(key, permits);
    }

    /**
     * Spends {@code permits} more on the bucket of {@code key} under the policy named {@code policyName} (for a
     * policy with plans, the bucket of the key's plan), without checking the limits.
     *
     * @param policyName the policy
     * @param key the key as the policy's {@link KeyResolver} gives it
     * @param permits the permits to spend, 1 or more
     * @return the key's state afterwards, as a request for zero permits would see it
     * @throws IllegalArgumentException if there is no such policy, the key is empty or on no plan, or permits is
     *     not positive
     */
    public Decision penalize(String policyName, String key, long permits) {
        return enforcer.limiterFor(policyName, checkKey(key)).penalize(key, permits);
    }

    /**
     * Gives {@code permits} back to the bucket the policy named {@code policyName} resolves from {@code request},
     * never beyond the full allowance (see also {@link Policy.Builder#refundOnStatus}).
     *
     * @param policyName the policy
     * @param request the request whose key gets the permits
     * @param permits the permits to give back, 1 or more
     * @return the key's state afterwards, as a request for zero permits would see it
     * @throws IllegalArgumentException if there is no such policy, the request has no key for it, the key is on no
     *     plan, or permits is not positive
     */
    public Decision refund(String policyName, HttpRequestView request, long permits) {
        Enforcer e = enforcer;
        String key = keyOf(e, policyName, request);
        return e.limiterFor(policyName, key).refund(key, permits);
    }

    /**
     * Gives {@code permits} back to the bucket of {@code key} under the policy named {@code policyName}, never
     * beyond the full allowance.
     *
     * @param policyName the policy
     * @param key the key as the policy's {@link KeyResolver} gives it
     * @param permits the permits to give back, 1 or more
     * @return the key's state afterwards, as a request for zero permits would see it
     * @throws IllegalArgumentException if there is no such policy, the key is empty or on no plan, or permits is
     *     not positive
     */
    public Decision refund(String policyName, String key, long permits) {
        return enforcer.limiterFor(policyName, checkKey(key)).refund(key, permits);
    }

    /**
     * The limiter of a policy, for reading ({@code peek}) or resetting a key's state; its name is
     * {@code http:POLICY} or {@code http:POLICY:PLAN}.
     *
     * @param policyName the policy
     * @param planName the plan for a policy that takes its limits from plans; null for a policy's own limits
     * @return the limiter, or null if there is no such policy or plan
     */
    public RateLimiter limiter(String policyName, String planName) {
        return enforcer.limiter(policyName, planName);
    }

    /**
     * The store the limiters use: the one given to the builder, or the engine's own in-memory store.
     *
     * @return the store
     */
    public RateLimitStore store() {
        return store;
    }

    /**
     * Stops following a {@link Builder#configSource} (and closes the source), and closes the store if the engine
     * created it (the in-memory default); a store given to the builder stays open.
     */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        if (ownExecutor != null) {
            ownExecutor.shutdown();
        }
        closeOwnStore();
    }

    private void closeOwnStore() {
        if (ownsStore) {
            try {
                store.close();
            } catch (RuntimeException e) {
                LOG.warn("Rate limit engine: closing the store {} failed", store, e);
            }
        }
    }

    private static String checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        return key;
    }

    private static String keyOf(Enforcer e, String policyName, HttpRequestView request) {
        Objects.requireNonNull(policyName, "policyName");
        Objects.requireNonNull(request, "request");
        for (Policy policy : e.settings().policies()) {
            if (policy.name().equals(policyName)) {
                String key = Enforcer.keyFor(policy, request);
                if (key == null) {
                    throw new IllegalArgumentException("the request has no key for policy " + policyName + " ("
                            + policy.key() + ")");
                }
                return key;
            }
        }
        throw new IllegalArgumentException("no policy is named " + policyName);
    }

    /** Compiles and installs a configuration; the caller holds the update lock. */
    private void apply(RateLimitConfig next) {
        if (startMaximumKeys != null && config != null && !startMaximumKeys.equals(next.maximumKeys())) {
            LOG.warn("Rate limit engine: ratelimit.maximumKeys changed to {}; the store keeps the bound it was made"
                    + " with until the next start", next.maximumKeys().isPresent()
                            ? next.maximumKeys().getAsLong() : "the store's default");
        }
        boolean overridden = failurePolicyOverride != null || localFallbackOverride;
        Enforcer.Settings settings = new Enforcer.Settings(next.policies(), next.plans(), next.excludes(),
                next.legacyHeaders(),
                shadowHeadersOverride != null ? shadowHeadersOverride : next.shadowHeaders(),
                overridden ? (localFallbackOverride ? FailurePolicy.allow() : failurePolicyOverride)
                        : next.failurePolicy(),
                overridden ? localFallbackOverride : next.localFallback(),
                localDenyCacheOverride >= 0 ? localDenyCacheOverride : next.localDenyCache());
        this.enforcer = Enforcer.compile(settings, pool, executor);
        this.config = next;
        listener.violations(next.violationLogLevel() == null ? null : ViolationLog.builder()
                .level(next.violationLogLevel())
                .rate(next.violationLogRate())
                .timeSource(time)
                .build());
    }

    /**
     * The engine's own store when none is given: in memory, bounded by {@code maximumKeys} if set, else by the
     * store's own default bounds. Keys come from requests, so without a bound a client sending distinct header
     * values would fill the heap.
     */
    private static RateLimitStore defaultStore(OptionalLong maximumKeys) {
        return maximumKeys.isPresent() ? InMemoryStore.builder().maximumKeys(maximumKeys.getAsLong()).build()
                : InMemoryStore.create();
    }

    /**
     * Builds a {@link RateLimitEngine}. Each option may be set again; the last call wins. The configuration comes
     * from exactly one of: {@link #config}, {@link #configLocation}, {@link #configSource}, or
     * {@link #policy}/{@link #policies} (with {@link #plans}, {@link #exclude} and {@link #legacyHeaders}). Not
     * thread-safe.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>{@link #config}, {@link #configLocation}, {@link #configSource} or {@link #policy}</td>
     *       <td>required: one of them</td></tr>
     *   <tr><td>{@link #exclude}</td><td>none</td></tr>
     *   <tr><td>{@link #plans}</td><td>{@link Plans#none()}</td></tr>
     *   <tr><td>{@link #legacyHeaders}</td><td>true</td></tr>
     *   <tr><td>{@link #store}</td><td>a new {@link InMemoryStore} with its default bounds (or the configuration's
     *       {@code ratelimit.maximumKeys}), closed by {@link RateLimitEngine#close()}</td></tr>
     *   <tr><td>{@link #timeSource}</td><td>{@link TimeSource#system()}</td></tr>
     *   <tr><td>{@link #failurePolicy} or {@link #localFallback}</td><td>the configuration's; else
     *       {@link FailurePolicy#allow()}</td></tr>
     *   <tr><td>{@link #shadowHeaders}</td><td>the configuration's; else false</td></tr>
     *   <tr><td>{@link #localDenyCache}</td><td>the configuration's; else 0: off</td></tr>
     *   <tr><td>{@link #listener}</td><td>none</td></tr>
     *   <tr><td>{@link #executor}</td><td>the engine's own: 4 threads, 4,096 queued tasks</td></tr>
     * </table>
     */
    public static final class Builder {
        private final List<Policy> policies = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private Plans plans;
        private Boolean legacyHeaders;
        private RateLimitConfig config;
        private String configLocation;
        private ConfigSource configSource;
        private RateLimitStore store;
        private TimeSource timeSource;
        private FailurePolicy failurePolicy;
        private boolean localFallback;
        private int localDenyCache = -1;
        private Boolean shadowHeaders;
        private RateLimitListener listener;
        private Executor executor;

        private Builder() {
        }

        /**
         * Takes the configuration from {@code config} (for example {@link RateLimitConfig#parse}); replaces a
         * {@link #configLocation} set earlier.
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder config(RateLimitConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            this.configLocation = null;
            this.configSource = null;
            return this;
        }

        /**
         * Takes the configuration from a properties file ({@code classpath:...} or {@code file:...}; see
         * {@link RateLimitConfig#load}), re-read when it changes; replaces a {@link #config} set earlier.
         *
         * @param location the file
         * @return this builder
         * @throws IllegalArgumentException if the location has neither prefix
         */
        public Builder configLocation(String location) {
            Objects.requireNonNull(location, "location");
            if (!location.startsWith("classpath:") && !location.startsWith("file:")) {
                throw new IllegalArgumentException("configLocation must start with classpath: or file: but was \""
                        + location + "\"");
            }
            this.configLocation = location;
            this.config = null;
            this.configSource = null;
            return this;
        }

        /**
         * Takes the configuration from {@code source} (a Redis key or a DynamoDB item of {@code ratelimit-config},
         * or a source of your own), and follows its changes by push and polling as {@link ConfigSource} describes;
         * replaces a {@link #config} or {@link #configLocation} set earlier. {@link #build()} reads the source once
         * and fails if it cannot be read or is invalid; {@link RateLimitEngine#close()} closes the source. The source
         * is the authority: {@link RateLimitEngine#update} and its siblings still work, but the next changed text
         * at the source replaces what they put in force.
         *
         * @param source the source
         * @return this builder
         */
        public Builder configSource(ConfigSource source) {
            this.configSource = Objects.requireNonNull(source, "source");
            this.config = null;
            this.configLocation = null;
            return this;
        }

        /**
         * Adds a policy; policies are evaluated in the order added.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder policy(Policy policy) {
            policies.add(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * Adds each policy as {@link #policy(Policy)} does.
         *
         * @param policies the policies, in evaluation order
         * @return this builder
         */
        public Builder policies(List<Policy> policies) {
            Objects.requireNonNull(policies, "policies");
            for (Policy policy : policies) {
                policy(policy);
            }
            return this;
        }

        /**
         * Adds each policy as {@link #policy(Policy)} does.
         *
         * @param policies the policies, in evaluation order
         * @return this builder
         */
        public Builder policies(Policy... policies) {
            return policies(List.of(Objects.requireNonNull(policies, "policies")));
        }

        /**
         * Adds path patterns (same syntax as {@link Policy.Builder#paths}) that bypass every policy, such as
         * {@code /health}. An exclusion matches segment for segment, so a spelling a client chooses never widens it.
         *
         * @param patterns the patterns
         * @return this builder
         * @throws IllegalArgumentException if a pattern is invalid
         */
        public Builder exclude(String... patterns) {
            return exclude(List.of(Objects.requireNonNull(patterns, "patterns")));
        }

        /**
         * Adds path patterns as {@link #exclude(String...)} does.
         *
         * @param patterns the patterns
         * @return this builder
         * @throws IllegalArgumentException if a pattern is invalid
         */
        public Builder exclude(List<String> patterns) {
            Objects.requireNonNull(patterns, "patterns");
            for (String pattern : patterns) {
                PathPattern.parse(pattern);
                excludes.add(pattern);
            }
            return this;
        }

        /**
         * The plans for policies that take their limits from plans.
         *
         * @param plans the plans
         * @return this builder
         */
        public Builder plans(Plans plans) {
            this.plans = Objects.requireNonNull(plans, "plans");
            return this;
        }

        /**
         * Whether {@code X-RateLimit-Limit/-Remaining/-Reset} are sent; true by default.
         *
         * @param legacyHeaders true to send them
         * @return this builder
         */
        public Builder legacyHeaders(boolean legacyHeaders) {
            this.legacyHeaders = legacyHeaders;
            return this;
        }

        /**
         * Where the limiters keep state. By default a new {@link InMemoryStore} with its default bounds (at most
         * {@code ratelimit.maximumKeys} keys if the configuration sets it), which {@link RateLimitEngine#close()}
         * closes; the engine never closes a store given here.
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(RateLimitStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * The limiters' clock, also used to time configuration reloads; the system clock by default.
         *
         * @param timeSource the clock
         * @return this builder
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * What limiters decide when the store fails; overrides the configuration's and replaces an earlier
         * {@link #localFallback()}.
         *
         * @param failurePolicy the failure policy
         * @return this builder
         */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            this.localFallback = false;
            return this;
        }

        /**
         * While the store fails, each policy's limits are enforced by an in-memory limiter in this JVM instead (its
         * state starts empty and is separate per instance, so N instances admit up to N times a limit during an
         * outage). Overrides the configuration's failure policy ({@code ratelimit.failurePolicy=local} is the
         * same) and replaces an earlier {@link #failurePolicy}.
         *
         * @return this builder
         */
        public Builder localFallback() {
            this.localFallback = true;
            this.failurePolicy = null;
            return this;
        }

        /**
         * Makes every policy's limiter remember, for up to {@code maximumKeys} keys, that a key was denied until its
         * retry time, and deny it again without a store call until then; 0 turns it off. Overrides the
         * configuration's {@code ratelimit.localDenyCache}.
         *
         * @param maximumKeys keys remembered per limiter; 0 = off
         * @return this builder
         * @throws IllegalArgumentException if maximumKeys is negative
         */
        public Builder localDenyCache(int maximumKeys) {
            if (maximumKeys < 0) {
                throw new IllegalArgumentException("localDenyCache must be 0 (off) or more but was " + maximumKeys);
            }
            this.localDenyCache = maximumKeys;
            return this;
        }

        /**
         * Whether shadow policies appear in {@code RateLimit-Policy}, {@code RateLimit} and {@code X-RateLimit-*};
         * false by default. A shadow policy is not enforced, so a client that honours its {@code r=0} would throttle
         * itself for nothing. Overrides the configuration's {@code ratelimit.headers.shadow}.
         *
         * @param shadowHeaders true to show them
         * @return this builder
         */
        public Builder shadowHeaders(boolean shadowHeaders) {
            this.shadowHeaders = shadowHeaders;
            return this;
        }

        /**
         * Told of every decision of every policy's limiter (named {@code http:POLICY} or {@code http:POLICY:PLAN}),
         * shadow policies included, and of store failures.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(RateLimitListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Where asynchronous work runs: {@link Evaluation#completeAsync}, the refunds after a denial on the
         * {@link RateLimitEngine#evaluateAsync} path, and a due configuration-file check on that path. Each of these
         * tasks calls the store synchronously and may block up to the store's timeout.
         *
         * <p>By default the engine makes its own: 4 daemon threads named {@code ratelimit-engine-N} (started on
         * demand, ended after 30 s idle; shut down by {@link RateLimitEngine#close()}) and a queue of 4,096 tasks,
         * so a slow store makes settlements wait but never pile up without bound. A task the executor refuses
         * ({@code RejectedExecutionException}, from the default's full queue or from the one given here) is skipped
         * and logged (throttled, WARN): a refund is not given back and a penalty is not spent, so a full executor
         * never admits more than the limits allow; a denied request is answered at once without its refund; a due
         * configuration-file check waits for a later request. An executor given here is not shut down by the
         * engine.
         *
         * @param executor the executor
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The engine, ready to use.
         *
         * @return the engine
         * @throws IllegalStateException if there is no configuration (no config, configLocation or policy), or both
         *     a config or configLocation and policies, excludes, plans or legacyHeaders
         * @throws IllegalArgumentException if the policies are invalid together or the configuration file is
         */
        public RateLimitEngine build() {
            String source = configLocation != null ? "configLocation " + configLocation
                    : configSource != null ? "configSource " + configSource.name()
                    : config != null ? "config" : null;
            if (source != null) {
                if (!policies.isEmpty() || !excludes.isEmpty() || plans != null || legacyHeaders != null) {
                    throw new IllegalStateException(source + " supplies policies, excludes, plans and"
                            + " legacyHeaders; do not set them in the builder too");
                }
            } else if (policies.isEmpty()) {
                throw new IllegalStateException("no policy was added: call policy(...), config(...) or"
                        + " configLocation(...)");
            }
            return new RateLimitEngine(this);
        }
    }
}
