package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.spi.RateLimitStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits for an AWS Lambda function behind API Gateway: the HTTP engine's policies, plans, headers and problem
 * bodies ({@link RateLimitEngine}), a store, and CloudWatch metrics, built once per execution environment and wrapped
 * around the function's handler.
 *
 * <pre>{@code
 * public final class Handler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
 *     // built at the cold start, once per execution environment; every invocation reuses it
 *     private static final RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> LIMITED =
 *             LambdaRateLimit.fromEnvironment().restApi(new Api());
 *
 *     public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
 *         return LIMITED.handleRequest(event, context);
 *     }
 * }
 * }</pre>
 *
 * <h2>What a wrapped handler does</h2>
 * It presents the event to the engine ({@link RestApiRequestView} for REST APIs, {@link HttpApiRequestView} for
 * HTTP APIs). A rejected request never reaches the handler: it gets the engine's answer as a response event (429
 * with {@code Retry-After}, {@code RateLimit-Policy}, {@code RateLimit}, {@code X-RateLimit-*} and an
 * {@code application/problem+json} body; or 401 with {@code WWW-Authenticate} for a missing key or a key on no plan).
 * An allowed request goes to the handler, and the engine's headers are added to its response, replacing headers of
 * the same name in any spelling, in {@code headers} and {@code multiValueHeaders}. Then the request is settled by
 * the response's status (refunds and penalties as configured): an exception from the handler counts as 500 and is
 * rethrown, a null response or a REST response without a status as 502 (what API Gateway answers then). Settlement
 * runs before the handler returns, because Lambda may freeze the execution environment as soon as it has.
 *
 * <h2>Configuration</h2>
 * The engine's properties schema (CONFIG.md) from a properties file, with environment variables on top (a variable
 * wins over the same key in the file; see {@link EnvironmentConfig} for the mapping, for example
 * {@code RATELIMIT_POLICY__perKey__LIMITS=100/1s,10000/1d}). The file is {@code RATELIMIT_CONFIG}
 * ({@code classpath:...} or {@code file:...}) if set, else {@code classpath:ratelimit.properties} if the function
 * has one. This module adds its own keys, which the engine never sees:
 * <table>
 *   <caption>Keys of this module</caption>
 *   <tr><th>key</th><th>variable</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code ratelimit.store}</td><td>{@code RATELIMIT_STORE}</td><td>{@code memory}</td>
 *       <td>{@code memory}: the engine's bounded in-memory store, per execution environment (each concurrent
 *       environment counts on its own); {@code dynamodb}: one table shared by every environment</td></tr>
 *   <tr><td>{@code ratelimit.store.table}</td><td>{@code RATELIMIT_STORE_TABLE}</td><td>required with
 *       {@code dynamodb}</td><td>the table (key schema and TTL as {@code DynamoDbStore} needs them)</td></tr>
 *   <tr><td>{@code ratelimit.store.endpoint}</td><td>{@code RATELIMIT_STORE_ENDPOINT}</td><td>the region's</td>
 *       <td>another DynamoDB endpoint, such as DynamoDB Local</td></tr>
 *   <tr><td>{@code ratelimit.store.timeout}</td><td>{@code RATELIMIT_STORE_TIMEOUT}</td><td>the store's (1s)</td>
 *       <td>how long one store call may take, such as {@code 250ms}; then the failure policy decides</td></tr>
 *   <tr><td>{@code ratelimit.store.keyPrefix}</td><td>{@code RATELIMIT_STORE_KEY_PREFIX}</td><td>the store's</td>
 *       <td>prefix of every item's partition key, to share a table</td></tr>
 *   <tr><td>{@code ratelimit.metrics}</td><td>{@code RATELIMIT_METRICS}</td><td>{@code emf}</td>
 *       <td>{@code emf}: {@link EmbeddedMetrics} to stdout; {@code off}: none</td></tr>
 *   <tr><td>{@code ratelimit.metrics.namespace}</td><td>{@code RATELIMIT_METRICS_NAMESPACE}</td>
 *       <td>{@code RateLimit}</td><td>the CloudWatch namespace</td></tr>
 * </table>
 * A bad key or value fails the build with a {@link ConfigException} naming where it came from (the file, or the
 * environment variable), the key and the value. A file is not reloaded: a function configured by a file changes its
 * configuration by a new deployment, which starts new execution environments.
 *
 * <h2>A configuration shared by the fleet</h2>
 * {@code RATELIMIT_CONFIG} may instead name a configuration that every function (and every other instance) shares,
 * published with {@code ratelimit-config}'s {@code ConfigPublisher} or command-line tool:
 * {@code redis://[user:password@]host:port[/db]} ({@code rediss://} for TLS) for a Redis hash, or
 * {@code dynamodb:TABLE} for a DynamoDB item (credentials from the function's role). The engine's keys then come from
 * that text only (one in the environment is an error naming the variable); this module's keys still come from the
 * environment, with these:
 * <table>
 *   <caption>Keys of a shared configuration</caption>
 *   <tr><th>key</th><th>variable</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code ratelimit.config.key}</td><td>{@code RATELIMIT_CONFIG_KEY}</td><td>{@code ratelimit:config}</td>
 *       <td>the Redis hash, or the DynamoDB item's partition key value</td></tr>
 *   <tr><td>{@code ratelimit.config.pollInterval}</td><td>{@code RATELIMIT_CONFIG_POLL_INTERVAL}</td>
 *       <td>{@code 5s}</td><td>the first invocation at least this long after the last read reads the source again,
 *       before it is evaluated</td></tr>
 *   <tr><td>{@code ratelimit.config.timeout}</td><td>{@code RATELIMIT_CONFIG_TIMEOUT}</td><td>{@code 1s}</td>
 *       <td>how long connecting or one read may take</td></tr>
 *   <tr><td>{@code ratelimit.config.keyAttribute}</td><td>{@code RATELIMIT_CONFIG_KEY_ATTRIBUTE}</td>
 *       <td>{@code pk}</td><td>DynamoDB: the partition key attribute</td></tr>
 *   <tr><td>{@code ratelimit.config.region}</td><td>{@code RATELIMIT_CONFIG_REGION}</td><td>the function's
 *       ({@code AWS_REGION})</td><td>DynamoDB: the region</td></tr>
 *   <tr><td>{@code ratelimit.config.endpoint}</td><td>{@code RATELIMIT_CONFIG_ENDPOINT}</td><td>the region's</td>
 *       <td>DynamoDB: another endpoint, such as DynamoDB Local</td></tr>
 * </table>
 * The source is polled only, by the invocations themselves: Lambda freezes an execution environment between
 * invocations, so neither a subscription nor a polling thread can be relied on. A changed text is in force for every
 * invocation that starts more than one poll interval (on the {@link Builder#timeSource}) after the change, however
 * long the environment was frozen; an idle environment reads nothing. A text that is invalid never replaces the one
 * in force: it is logged once naming the key and counted in {@link RateLimitEngine#configStatus()}. This needs
 * {@code dev.ratelimit:ratelimit-config} and the store's client ({@code redis.clients:jedis}, or the AWS SDK's
 * DynamoDB client) in the deployment package; without them the build fails naming the artifact.
 *
 * <p>Thread-safe: one instance serves every invocation of an execution environment (Lambda runs one at a time in
 * each, but nothing here relies on it).
 */
public final class LambdaRateLimit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LambdaRateLimit.class);
    private static final Object SHARED_LOCK = new Object();
    private static volatile LambdaRateLimit shared;

    private final RateLimitEngine engine;
    private final EmbeddedMetrics metrics;
    private final RateLimitStore ownStore;
    private final AutoCloseable ownClient;
    /** Polls a shared configuration from the invocations; null for a file. */
    private final InvocationPolling polling;

    private LambdaRateLimit(RateLimitEngine engine, EmbeddedMetrics metrics, RateLimitStore ownStore,
            AutoCloseable ownClient, InvocationPolling polling) {
        this.engine = engine;
        this.metrics = metrics;
        this.ownStore = ownStore;
        this.ownClient = ownClient;
        this.polling = polling;
    }

    /**
     * The instance of this execution environment, configured from {@code System.getenv()} and the properties file:
     * built by the first call (the cold start), returned by every later one. If building fails (a bad
     * configuration, a missing table), the call throws and the next call tries again.
     *
     * @return the shared instance
     * @throws ConfigException if the configuration is invalid
     * @throws IllegalStateException if the DynamoDB table is missing or has the wrong shape
     */
    public static LambdaRateLimit fromEnvironment() {
        LambdaRateLimit s = shared;
        if (s == null) {
            synchronized (SHARED_LOCK) {
                s = shared;
                if (s == null) {
                    s = builder().build();
                    shared = s;
                }
            }
        }
        return s;
    }

    /**
     * A builder, for tests and for functions that configure in code.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Wraps a REST API handler (Lambda proxy integration, payload 1.0) as described above.
     *
     * @param handler the function's handler
     * @return the rate-limited handler; thread-safe if {@code handler} is
     * @throws NullPointerException if handler is null
     */
    public RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> restApi(
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler) {
        return new RestApiHandler(engine, metrics, polling, Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Wraps an HTTP API handler (payload 2.0) as described above.
     *
     * @param handler the function's handler
     * @return the rate-limited handler; thread-safe if {@code handler} is
     * @throws NullPointerException if handler is null
     */
    public RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> httpApi(
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
        return new HttpApiHandler(engine, metrics, polling, Objects.requireNonNull(handler, "handler"));
    }

    /**
     * The engine, to evaluate requests directly or to adjust a key ({@link RateLimitEngine#penalize}).
     *
     * @return the engine
     */
    public RateLimitEngine engine() {
        return engine;
    }

    /**
     * The metrics listener, flushed by the wrapped handlers after each invocation.
     *
     * @return the metrics, or null with {@code ratelimit.metrics=off}
     */
    public EmbeddedMetrics metrics() {
        return metrics;
    }

    /** Closes the engine and the store and client this instance created (never a store given to the builder). */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            if (ownStore != null) {
                ownStore.close();
            }
            if (ownClient != null) {
                try {
                    ownClient.close();
                } catch (Exception e) {
                    LOG.warn("could not close the DynamoDB client", e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "LambdaRateLimit{" + engine + '}';
    }

    /**
     * Builds a {@link LambdaRateLimit}. Every option has a default; the last call of an option wins. Not
     * thread-safe.
     */
    public static final class Builder {
        private Map<String, String> environment;
        private String configLocation;
        private Properties properties;
        private RateLimitStore store;
        private TimeSource timeSource;
        private final List<RateLimitListener> listeners = new ArrayList<>();
        private Consumer<String> metricsOutput;
        private ClassLoader classLoader;

        private Builder() {
        }

        /**
         * The environment variables to read; {@code System.getenv()} by default.
         *
         * @param environment the variables
         * @return this builder
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /**
         * The properties file ({@code classpath:...} or {@code file:...}), which must exist, or a shared
         * configuration ({@code redis://...}, {@code dynamodb:TABLE}; see the class comment); by default the
         * {@code RATELIMIT_CONFIG} variable's, else {@code classpath:ratelimit.properties} if present. Replaces
         * {@link #properties} set earlier.
         *
         * @param location the file
         * @return this builder
         */
        public Builder configLocation(String location) {
            this.configLocation = Objects.requireNonNull(location, "location");
            this.properties = null;
            return this;
        }

        /**
         * Takes the keys from {@code properties} instead of a file (the environment still goes on top). Replaces
         * {@link #configLocation} set earlier.
         *
         * @param properties the keys; copied
         * @return this builder
         */
        public Builder properties(Properties properties) {
            Objects.requireNonNull(properties, "properties");
            Properties copy = new Properties();
            copy.putAll(properties);
            this.properties = copy;
            this.configLocation = null;
            return this;
        }

        /**
         * The store to use instead of the one {@code ratelimit.store} describes (then the {@code ratelimit.store*}
         * keys are still checked but not used). The instance never closes it.
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(RateLimitStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * The limiters' clock and the metrics' timestamps; the system clock by default.
         *
         * @param timeSource the clock
         * @return this builder
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Adds a listener of every limiter decision, next to the metrics.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(RateLimitListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Where the EMF lines go instead of {@code System.out} (for tests).
         *
         * @param output receives each line
         * @return this builder
         */
        public Builder metricsOutput(Consumer<String> output) {
            this.metricsOutput = Objects.requireNonNull(output, "output");
            return this;
        }

        /**
         * The class loader for {@code classpath:} locations; by default the thread's context class loader, else
         * this class's.
         *
         * @param classLoader the loader
         * @return this builder
         */
        public Builder classLoader(ClassLoader classLoader) {
            this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
            return this;
        }

        /**
         * Reads the configuration (a shared one once, here), creates the store (checking a DynamoDB table once) and
         * the engine.
         *
         * @return the instance
         * @throws ConfigException if a key or value is invalid, naming the file or variable (or the shared
         *     configuration), the key and the value
         * @throws IllegalArgumentException if a setting of a shared configuration is invalid, naming the variable
         *     and the value
         * @throws IllegalStateException if the DynamoDB table is missing or has the wrong shape, or an artifact a
         *     shared configuration needs is missing (named)
         * @throws RuntimeException if a shared configuration cannot be read or holds nothing yet, naming its key
         *     ({@code ConfigStoreException} of ratelimit-config)
         */
        public LambdaRateLimit build() {
            Map<String, String> env = environment != null ? environment : System.getenv();
            ClassLoader loader = classLoader != null ? classLoader
                    : Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : LambdaRateLimit.class.getClassLoader();
            FunctionSettings config = FunctionSettings.load(properties, configLocation, env, loader);
            RateLimitConfig engineConfig = config.shared.isEmpty() ? config.engineConfig() : null;
            TimeSource time = timeSource != null ? timeSource : TimeSource.system();
            EmbeddedMetrics metrics = !config.metrics ? null : EmbeddedMetrics.create(config.namespace,
                    metricsOutput != null ? metricsOutput : System.out::println, time);
            List<RateLimitListener> all = new ArrayList<>(listeners);
            if (metrics != null) {
                all.add(0, metrics);
            }
            RateLimitStore ownStore = null;
            AutoCloseable ownClient = null;
            RateLimitStore useStore = store;
            ConfigSource source = null;
            InvocationPolling polling = null;
            try {
                if (useStore == null && config.store.equals("dynamodb")) {
                    DynamoDbStores.Built built = DynamoDbStores.create(config);
                    ownStore = built.store();
                    ownClient = built.client();
                    useStore = ownStore;
                }
                RateLimitEngine.Builder engine = RateLimitEngine.builder().timeSource(time);
                if (engineConfig == null) {
                    source = SharedConfigs.open(config);
                    polling = new InvocationPolling(time, source.pollInterval());
                    engine.configSource(InvocationPolling.unpolled(source));
                } else {
                    engine.config(engineConfig);
                }
                if (useStore != null) {
                    engine.store(useStore);
                }
                if (all.size() == 1) {
                    engine.listener(all.get(0));
                } else if (!all.isEmpty()) {
                    engine.listener(RateLimitListener.composite(all.toArray(new RateLimitListener[0])));
                }
                RateLimitEngine built = engine.build();
                if (polling != null) {
                    polling.start(built);
                    LOG.info("Rate limit function: configuration from {}, read by the first invocation at least {}"
                            + " after the last read", source.name(), source.pollInterval());
                }
                LOG.debug("rate limits from {}, store {}", source != null ? source.name() : config.source,
                        useStore != null ? useStore : "in memory");
                return new LambdaRateLimit(built, metrics, ownStore, ownClient, polling);
            } catch (RuntimeException e) {
                if (source != null) {
                    source.close(); // closed by the engine once built; before that it is ours
                }
                if (ownStore != null) {
                    ownStore.close();
                }
                if (ownClient != null) {
                    try {
                        ownClient.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }
}
