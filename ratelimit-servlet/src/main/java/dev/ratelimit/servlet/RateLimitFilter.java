package dev.ratelimit.servlet;

import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.Evaluation;
import dev.ratelimit.http.HttpHeader;
import dev.ratelimit.http.HttpRequestView;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.http.ResponseValues;
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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code jakarta.servlet.Filter} (Servlet 5 and 6) in front of a {@link RateLimitEngine}: for web.xml, Spring's
 * {@code FilterRegistrationBean} or any servlet container. The engine decides (policies, keys, plans, headers; see
 * {@link RateLimitEngine} for what a request gets); the filter translates the request ({@link ServletRequestView}),
 * writes the engine's headers or its whole answer (429, 401), and settles by the final status, also for an
 * asynchronous request (when the container completes it; a 500 after an error or timeout).
 *
 * <h2>In code</h2>
 * <pre>{@code
 * RateLimitFilter filter = RateLimitFilter.builder()
 *         .policy(Policy.builder("perIp").paths("/api/**")
 *                 .key(KeyResolver.clientIp(TrustedProxies.of("10.0.0.0/8")))
 *                 .limits(Limit.parse("20/1s"), Limit.parse("1000/1h")).build())
 *         .exclude("/health")
 *         .build();                         // or new RateLimitFilter(engine)
 * }</pre>
 *
 * <h2>In web.xml</h2>
 * The no-argument constructor reads the init-param {@code config} ({@code classpath:...} or {@code file:...};
 * default {@code classpath:ratelimit.properties}, keys in {@link RateLimitConfig}) and the optional init-param
 * {@code storeFactory} (a {@link StoreFactory} class name; default the engine's bounded in-memory store).
 *
 * <p>{@code config} may also name a configuration shared by the fleet: {@code redis://[user:password@]host:port[/db]}
 * (or {@code rediss://}) for a Redis hash, {@code dynamodb:TABLE} for a DynamoDB item, with the init-params
 * {@code configKey}, {@code configPollInterval}, {@code configTimeout}, {@code configPush} (Redis),
 * {@code configKeyAttribute}, {@code configRegion} and {@code configEndpoint} (DynamoDB), as listed in
 * ratelimit-servlet's CONFIG.md. The filter then follows the shared text live (Redis: pushed by pub/sub and polled;
 * DynamoDB: polled), keeps the configuration in force when a changed text is invalid (one error in the log naming the
 * key, counted in {@link RateLimitEngine#configStatus()}), and closes the client it opened in {@link #destroy()}.
 * This needs {@code dev.ratelimit:ratelimit-config} and the store's client (Jedis, or the AWS SDK's DynamoDB client)
 * in the web application, loaded by name like a {@link StoreFactory}; without them {@link #init} fails naming the
 * missing artifact. A password in the URI is never logged.
 *
 * <p>Thread-safe. The filter applies once per request, even when mapped to several dispatcher types.
 */
public final class RateLimitFilter implements Filter {

    /** The init-param naming the configuration file, or a shared one ({@code redis://...}, {@code dynamodb:...}). */
    public static final String CONFIG_PARAM = "config";
    /** The init-param naming a {@link StoreFactory} class. */
    public static final String STORE_FACTORY_PARAM = "storeFactory";
    /** The configuration read when web.xml names none. */
    public static final String DEFAULT_CONFIG = "classpath:ratelimit.properties";

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);
    private static final String APPLIED = RateLimitFilter.class.getName() + ".APPLIED";

    private volatile RateLimitEngine engine;
    /** Changes rejections before they are sent; null sends the engine's. */
    private final BiFunction<HttpRequestView, ResponseValues, ResponseValues> rejections;
    /** A store made by a {@link StoreFactory} in {@link #init}, closed in {@link #destroy}; else null. */
    private RateLimitStore factoryStore;

    /** For web.xml: the filter makes its engine in {@link #init} from its init-params. */
    public RateLimitFilter() {
        this.rejections = null;
    }

    /**
     * A filter in front of {@code engine}; {@link #init} then ignores init-params and {@link #destroy} closes the
     * engine.
     *
     * @param engine the engine
     */
    public RateLimitFilter(RateLimitEngine engine) {
        this(engine, null);
    }

    /**
     * A filter in front of {@code engine} that sends {@code rejections}' answer instead of the engine's when a
     * request is rejected (to match an application's own error format); otherwise as {@link #RateLimitFilter(
     * RateLimitEngine)}.
     *
     * @param engine the engine
     * @param rejections given the request and the engine's answer (429 or 401), returns the answer to send; must be
     *     thread-safe; null sends the engine's answer
     */
    public RateLimitFilter(RateLimitEngine engine,
            BiFunction<HttpRequestView, ResponseValues, ResponseValues> rejections) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.rejections = rejections;
    }

    /**
     * A builder for a filter configured in code: the options of {@link RateLimitEngine.Builder}.
     *
     * @return a new builder
     */
    public static RateLimitFilterBuilder builder() {
        return new RateLimitFilterBuilder();
    }

    /**
     * For a filter made by the no-argument constructor, reads the init-params {@code config},
     * {@code storeFactory} and, for a shared configuration, the other {@code config*} init-params, and makes the
     * engine. A filter given an engine ignores init-params.
     *
     * @throws ServletException if the configuration cannot be read or is invalid, an init-param is unknown or has a
     *     bad value (the message names the init-param and the value), an artifact a shared configuration needs is
     *     missing (named), or the store factory fails
     */
    @Override
    public synchronized void init(FilterConfig filterConfig) throws ServletException {
        if (engine != null) {
            return;
        }
        String location = filterConfig.getInitParameter(CONFIG_PARAM);
        String factoryName = filterConfig.getInitParameter(STORE_FACTORY_PARAM);
        String where = location == null || location.isBlank() ? DEFAULT_CONFIG : location.trim();
        Map<String, String> sharedParams = new TreeMap<>();
        for (String name : Collections.list(filterConfig.getInitParameterNames())) {
            if (name.startsWith(SharedConfigSources.PARAM_PREFIX) && !name.equals(CONFIG_PARAM)) {
                sharedParams.put(name, filterConfig.getInitParameter(name));
            }
        }
        ConfigSource source = null;
        try {
            RateLimitEngine.Builder b = RateLimitEngine.builder();
            Properties properties;
            if (SharedConfigSources.isShared(where)) {
                sharedParams.put(CONFIG_PARAM, where);
                source = SharedConfigSources.open(sharedParams);
                properties = factoryName == null || factoryName.isBlank() ? null
                        : source.read().parse().properties();
                b.configSource(source);
                where = source.name();
            } else {
                if (!sharedParams.isEmpty()) {
                    String name = sharedParams.keySet().iterator().next();
                    throw new IllegalArgumentException("init-param " + name + "=" + sharedParams.get(name)
                            + " applies only to a shared configuration (config=redis://host:port or"
                            + " config=dynamodb:TABLE), not to " + where);
                }
                properties = factoryName == null || factoryName.isBlank() ? null : RateLimitConfig.load(where)
                        .properties();
                b.configLocation(where);
            }
            if (properties != null) {
                factoryStore = StoreFactories.create(factoryName.trim(), properties);
                b.store(factoryStore);
            }
            engine = b.build();
        } catch (RuntimeException | Error e) {
            if (source != null) {
                source.close(); // the engine closes it once built; before that it is ours
            }
            closeFactoryStore();
            if (e instanceof Error error) {
                throw error;
            }
            throw new ServletException("RateLimitFilter " + filterConfig.getFilterName() + ": " + e.getMessage(), e);
        }
        LOG.info("Rate limit filter {} loaded {}: {} policies", filterConfig.getFilterName(), where,
                engine.config().policies().size());
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)
                || request.getAttribute(APPLIED) != null) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(APPLIED, Boolean.TRUE);
        ServletRequestView view = new ServletRequestView(http);
        Evaluation evaluation = engine().evaluate(view);
        if (!evaluation.proceed()) {
            write(out, rejections == null ? evaluation.rejection() : rejections.apply(view, evaluation.rejection()));
            return;
        }
        for (HttpHeader header : evaluation.responseHeaders()) {
            out.setHeader(header.name(), header.value());
        }
        if (!evaluation.settlesOnStatus()) {
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
                request.getAsyncContext().addListener(new SettleOnComplete(evaluation, out));
            } else {
                // An exception the container turns into a 500 counts as a 500 unless the answer was sent.
                evaluation.complete(completed || out.isCommitted() ? out.getStatus() : 500);
            }
        }
    }

    /** Sends the engine's whole answer; the content type is set as a header so the container appends no charset. */
    private static void write(HttpServletResponse response, ResponseValues answer) throws IOException {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        response.setStatus(answer.status());
        for (HttpHeader header : answer.headers()) {
            response.setHeader(header.name(), header.value());
        }
        response.setHeader("Content-Type", answer.contentType());
        response.setContentLength(body.length);
        try (OutputStream stream = response.getOutputStream()) {
            stream.write(body);
        }
    }

    /** Settles an asynchronous request by the status it was completed with (a 500 after an error or timeout). */
    private record SettleOnComplete(Evaluation evaluation, HttpServletResponse response) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            evaluation.complete(response.getStatus());
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

    /**
     * Closes the engine (and with it its own store, and a shared configuration's source and the client the filter
     * opened for it) and a store made by a {@link StoreFactory}.
     */
    @Override
    public void destroy() {
        RateLimitEngine e = engine;
        if (e != null) {
            e.close();
        }
        closeFactoryStore();
    }

    private void closeFactoryStore() {
        if (factoryStore != null) {
            try {
                factoryStore.close();
            } catch (RuntimeException e) {
                LOG.warn("Rate limit filter: closing the store {} failed", factoryStore, e);
            }
            factoryStore = null;
        }
    }

    /**
     * The engine: for {@link RateLimitEngine#update}, {@link RateLimitEngine#updatePolicies},
     * {@link RateLimitEngine#reloadConfiguration}, penalties, refunds, the configuration in force and a key's state.
     *
     * @return the engine
     * @throws IllegalStateException if the filter is not initialised
     */
    public RateLimitEngine engine() {
        RateLimitEngine e = engine;
        if (e == null) {
            throw new IllegalStateException("RateLimitFilter was not initialised");
        }
        return e;
    }
}
