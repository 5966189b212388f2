package dev.ratelimit.servlet;

import dev.ratelimit.FailurePolicy;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.Plans;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.spi.RateLimitStore;
import java.util.List;

/**
 * Builds a {@link RateLimitFilter} over a new {@link RateLimitEngine}, from {@link RateLimitFilter#builder()}. Every
 * option is the engine builder's of the same name, with the same default; the last call wins. Not thread-safe.
 */
public final class RateLimitFilterBuilder {

    private final RateLimitEngine.Builder engine = RateLimitEngine.builder();

    RateLimitFilterBuilder() {
    }

    /**
     * As {@link RateLimitEngine.Builder#policy}.
     *
     * @param policy the policy
     * @return this builder
     */
    public RateLimitFilterBuilder policy(Policy policy) {
        engine.policy(policy);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#policies(List)}.
     *
     * @param policies the policies, in evaluation order
     * @return this builder
     */
    public RateLimitFilterBuilder policies(List<Policy> policies) {
        engine.policies(policies);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#policies(Policy...)}.
     *
     * @param policies the policies, in evaluation order
     * @return this builder
     */
    public RateLimitFilterBuilder policies(Policy... policies) {
        engine.policies(policies);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#exclude(List)}.
     *
     * @param patterns the excluded path patterns
     * @return this builder
     */
    public RateLimitFilterBuilder exclude(List<String> patterns) {
        engine.exclude(patterns);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#exclude(String...)}.
     *
     * @param patterns the excluded path patterns
     * @return this builder
     */
    public RateLimitFilterBuilder exclude(String... patterns) {
        engine.exclude(patterns);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#plans}.
     *
     * @param plans the plans
     * @return this builder
     */
    public RateLimitFilterBuilder plans(Plans plans) {
        engine.plans(plans);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#config}.
     *
     * @param config the configuration
     * @return this builder
     */
    public RateLimitFilterBuilder config(RateLimitConfig config) {
        engine.config(config);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#configLocation}.
     *
     * @param location the file, {@code classpath:...} or {@code file:...}
     * @return this builder
     */
    public RateLimitFilterBuilder configLocation(String location) {
        engine.configLocation(location);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#configSource}: the configuration from a Redis key, a DynamoDB item
     * ({@code ratelimit-config}) or a source of your own, followed live; the filter's {@code destroy()} closes it.
     *
     * @param source the source
     * @return this builder
     */
    public RateLimitFilterBuilder configSource(ConfigSource source) {
        engine.configSource(source);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#store}; the filter's {@code destroy()} never closes a store given here.
     *
     * @param store the store
     * @return this builder
     */
    public RateLimitFilterBuilder store(RateLimitStore store) {
        engine.store(store);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#timeSource}.
     *
     * @param timeSource the clock
     * @return this builder
     */
    public RateLimitFilterBuilder timeSource(TimeSource timeSource) {
        engine.timeSource(timeSource);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#failurePolicy}.
     *
     * @param failurePolicy the failure policy
     * @return this builder
     */
    public RateLimitFilterBuilder failurePolicy(FailurePolicy failurePolicy) {
        engine.failurePolicy(failurePolicy);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#localFallback}.
     *
     * @return this builder
     */
    public RateLimitFilterBuilder localFallback() {
        engine.localFallback();
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#localDenyCache}.
     *
     * @param maximumKeys keys remembered per limiter; 0 = off
     * @return this builder
     */
    public RateLimitFilterBuilder localDenyCache(int maximumKeys) {
        engine.localDenyCache(maximumKeys);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#legacyHeaders}.
     *
     * @param legacyHeaders true to send {@code X-RateLimit-*}
     * @return this builder
     */
    public RateLimitFilterBuilder legacyHeaders(boolean legacyHeaders) {
        engine.legacyHeaders(legacyHeaders);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#shadowHeaders}.
     *
     * @param shadowHeaders true to show shadow policies in the headers
     * @return this builder
     */
    public RateLimitFilterBuilder shadowHeaders(boolean shadowHeaders) {
        engine.shadowHeaders(shadowHeaders);
        return this;
    }

    /**
     * As {@link RateLimitEngine.Builder#listener}.
     *
     * @param listener the listener
     * @return this builder
     */
    public RateLimitFilterBuilder listener(RateLimitListener listener) {
        engine.listener(listener);
        return this;
    }

    /**
     * The filter over a new engine.
     *
     * @return the filter
     * @throws IllegalStateException if there is no configuration, or two sources of it (see
     *     {@link RateLimitEngine.Builder#build()})
     * @throws IllegalArgumentException if the policies are invalid together or the configuration file is
     */
    public RateLimitFilter build() {
        return new RateLimitFilter(engine.build());
    }
}
