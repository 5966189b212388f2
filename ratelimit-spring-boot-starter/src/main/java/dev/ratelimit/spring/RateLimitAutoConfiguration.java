package dev.ratelimit.spring;

import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.config.DynamoDbSharedConfig;
import dev.ratelimit.config.RedisSharedConfig;
import dev.ratelimit.http.ConfigSource;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.micrometer.ConfigStatusMeters;
import dev.ratelimit.micrometer.MicrometerListener;
import dev.ratelimit.redis.LettuceRedisStore;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.spi.RateLimitStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import redis.clients.jedis.UnifiedJedis;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The rate-limit engine from {@code ratelimit.*}: its configuration (parsed and validated by the engine; a bad value
 * stops the application context with a message naming the key), its store and its listeners. Active when
 * {@code ratelimit.policies} is set (or {@code ratelimit.config} names a shared source) and {@code ratelimit.enabled}
 * is not {@code false}.
 *
 * <p>Beans, each backing off when the application defines its own:
 * <ul>
 *   <li>{@link RateLimitConfig} from the {@code Environment}, with {@code ratelimit.config=environment} (the
 *       default); with {@code ratelimit.config=redis} or {@code dynamodb[:TABLE]}, a {@link ConfigSource} instead
 *       ({@link RedisSharedConfig} on the Jedis {@link UnifiedJedis} bean, else the same hash through a Lettuce
 *       {@link RedisClient} bean; {@link DynamoDbSharedConfig} on the {@link DynamoDbClient} bean), which the engine
 *       follows live;</li>
 *   <li>a {@link RateLimitStore} for {@code ratelimit.store=redis} (from a Jedis {@link UnifiedJedis} bean, else a
 *       Lettuce {@link RedisClient} bean) or {@code ratelimit.store=dynamodb} (from a {@link DynamoDbClient} bean,
 *       with a {@link DynamoDbAsyncClient} bean when there is one); with {@code memory}, the default, the engine
 *       uses its own bounded in-memory store;</li>
 *   <li>a {@link MicrometerListener} and {@link ConfigStatusMeters} when there is a {@link MeterRegistry} bean;</li>
 *   <li>the {@link RateLimitEngine}, with the application's {@link TimeSource} bean if it has one and every
 *       {@link RateLimitListener} bean.</li>
 * </ul>
 * A remote store that was asked for but has no client bean stops the context with a message naming
 * {@code ratelimit.store} and the bean it needs: the limits are never silently counted per instance instead.
 *
 * <p>Thread-safe, as Spring configuration classes are: used while the context starts.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@Conditional(OnRateLimitPolicies.class)
public class RateLimitAutoConfiguration {

    /** The shared configuration source, if any; null when created without Spring's injection. */
    private final ObjectProvider<ConfigSource> configSource;
    private final ConfigReadTimes readTimes;

    /** Created by Spring. */
    public RateLimitAutoConfiguration() {
        this(null, null);
    }

    @Autowired
    RateLimitAutoConfiguration(ObjectProvider<ConfigSource> configSource, ObjectProvider<TimeSource> timeSource) {
        this.configSource = configSource;
        TimeSource time = timeSource == null ? null : timeSource.getIfUnique();
        this.readTimes = new ConfigReadTimes(time != null ? time : TimeSource.system());
    }

    /**
     * The configuration of {@code ratelimit.*}, when {@code ratelimit.config} is {@code environment} (the default).
     *
     * @param environment Spring's environment
     * @return the validated configuration
     */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(OnEnvironmentConfig.class)
    public RateLimitConfig rateLimitConfig(Environment environment) {
        return SpringRateLimitConfig.read(environment);
    }

    /** When this instance put its configuration in force, for the actuator endpoint. */
    @Bean
    ConfigReadTimes rateLimitConfigReadTimes() {
        return readTimes;
    }

    /**
     * The engine every front door of this application uses. Its configuration is the {@link RateLimitConfig} bean
     * with {@code ratelimit.config=environment} (the default), or the {@link ConfigSource} bean otherwise (the
     * starter's Redis or DynamoDB source, or the application's own), which the engine follows live.
     *
     * @param config the configuration from the environment; null when {@code ratelimit.config} names a shared
     *     source
     * @param environment for {@code ratelimit.store} and {@code ratelimit.config}
     * @param store the store bean, if any
     * @param timeSource the application's clock, if any
     * @param listeners every listener bean
     * @return the engine; closing it closes only a store it made itself, and the configuration source
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RateLimitEngine rateLimitEngine(@Nullable RateLimitConfig config, Environment environment,
            ObjectProvider<RateLimitStore> store, ObjectProvider<TimeSource> timeSource,
            ObjectProvider<RateLimitListener> listeners) {
        RateLimitEngine.Builder builder = RateLimitEngine.builder();
        SharedConfigSettings settings = SharedConfigSettings.read(environment);
        ConfigReadTimes times = readTimes;
        ObjectProvider<ConfigSource> source = Objects.requireNonNull(configSource,
                "a RateLimitAutoConfiguration made by Spring has its ConfigSource provider");
        if (settings.shared()) {
            ConfigSource shared = source.getIfUnique();
            if (shared == null) {
                throw new IllegalStateException(SharedConfigSettings.CONFIG + "=" + settings.kind().name()
                        .toLowerCase(Locale.ROOT) + " needs " + (settings.kind() == SharedConfigSettings.Kind.REDIS
                                ? "a Jedis redis.clients.jedis.UnifiedJedis bean (with dev.ratelimit:ratelimit-config"
                                        + " on the classpath), a Lettuce io.lettuce.core.RedisClient bean"
                                : "a software.amazon.awssdk.services.dynamodb.DynamoDbClient bean (with"
                                        + " dev.ratelimit:ratelimit-config on the classpath)")
                        + " or a dev.ratelimit.http.ConfigSource bean; none is defined");
            }
            SpringRateLimitConfig.requireNoEngineKeys(environment, shared.name());
            builder.configSource(times.track(shared));
        } else {
            ConfigSource unused = source.getIfAvailable();
            if (unused != null) {
                throw new IllegalStateException("the application defines a ConfigSource bean (" + unused.name()
                        + "), but ratelimit.config is environment (the default), which takes the configuration from"
                        + " the ratelimit.* keys of the environment; set ratelimit.config=redis or dynamodb to use the"
                        + " bean");
            }
            if (config == null) {
                throw new IllegalStateException("ratelimit.config is environment, but there is no RateLimitConfig"
                        + " bean");
            }
            builder.config(config);
        }
        RateLimitStore chosen = store.getIfUnique();
        String value = Binder.get(environment).bind("ratelimit.store", String.class).orElse("memory");
        String kind = value.trim().toLowerCase(Locale.ROOT);
        switch (kind) {
            case "memory" -> { }
            case "redis" -> requireStore(chosen, kind, "a Jedis redis.clients.jedis.UnifiedJedis bean (with"
                    + " ratelimit-redis), a Lettuce io.lettuce.core.RedisClient bean, or a RateLimitStore bean");
            case "dynamodb" -> requireStore(chosen, kind, "a software.amazon.awssdk.services.dynamodb.DynamoDbClient"
                    + " bean (with ratelimit-dynamodb), or a RateLimitStore bean");
            default -> throw new IllegalArgumentException("ratelimit.store=" + value
                    + ": expected memory, redis or dynamodb");
        }
        if (chosen != null) {
            builder.store(chosen);
        }
        TimeSource time = timeSource.getIfUnique();
        if (time != null) {
            builder.timeSource(time);
        }
        RateLimitListener listener = listener(listeners);
        if (listener != null) {
            builder.listener(listener);
        }
        RateLimitEngine engine = builder.build();
        times.started();
        return engine;
    }

    /** Every listener bean as one, or null. */
    static RateLimitListener listener(ObjectProvider<RateLimitListener> listeners) {
        List<RateLimitListener> all = listeners.orderedStream().toList();
        return all.isEmpty() ? null : all.size() == 1 ? all.get(0)
                : RateLimitListener.composite(all.toArray(RateLimitListener[]::new));
    }

    private static void requireStore(RateLimitStore store, String kind, String needed) {
        if (store == null) {
            throw new IllegalStateException("ratelimit.store=" + kind + " needs " + needed
                    + "; none is defined, and the limits are not counted in memory instead");
        }
    }

    /** {@code ratelimit.store=redis} with a Jedis client bean. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RedisStore.class, UnifiedJedis.class})
    @ConditionalOnProperty(name = "ratelimit.store", havingValue = "redis")
    static class JedisStoreConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(RateLimitStore.class)
        @ConditionalOnBean(UnifiedJedis.class)
        RedisStore rateLimitRedisStore(UnifiedJedis jedis) {
            return RedisStore.builder(jedis).build();
        }
    }

    /** {@code ratelimit.store=redis} with a Lettuce client bean (and no Jedis one). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({LettuceRedisStore.class, RedisClient.class})
    @ConditionalOnProperty(name = "ratelimit.store", havingValue = "redis")
    static class LettuceStoreConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(RateLimitStore.class)
        @ConditionalOnBean(RedisClient.class)
        LettuceStore rateLimitLettuceStore(RedisClient client) {
            return new LettuceStore(client.connect(ByteArrayCodec.INSTANCE));
        }
    }

    /** {@code ratelimit.store=dynamodb} with a DynamoDB client bean. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({DynamoDbStore.class, DynamoDbClient.class})
    @ConditionalOnProperty(name = "ratelimit.store", havingValue = "dynamodb")
    static class DynamoDbStoreConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(RateLimitStore.class)
        @ConditionalOnBean(DynamoDbClient.class)
        DynamoDbStore rateLimitDynamoDbStore(DynamoDbClient client, ObjectProvider<DynamoDbAsyncClient> async,
                Environment environment) {
            DynamoDbStore.Builder builder = DynamoDbStore.builder(client)
                    .tableName(Binder.get(environment).bind("ratelimit.dynamodb.table-name", String.class)
                            .orElse("rate-limits"));
            DynamoDbAsyncClient asyncClient = async.getIfUnique();
            if (asyncClient != null) {
                builder.asyncClient(asyncClient);
            }
            return builder.build();
        }
    }

    /** {@code ratelimit.config=redis}: the configuration in a Redis hash, through the application's Jedis client. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RedisSharedConfig.class, UnifiedJedis.class})
    @Conditional(OnEnvironmentConfig.InRedis.class)
    static class RedisSharedConfigConfiguration {

        @Bean
        @ConditionalOnMissingBean(ConfigSource.class)
        @ConditionalOnBean(UnifiedJedis.class)
        RedisSharedConfig rateLimitConfigSource(UnifiedJedis jedis, Environment environment) {
            SharedConfigSettings settings = SharedConfigSettings.read(environment);
            return RedisSharedConfig.builder(jedis).key(settings.key()).pollInterval(settings.pollInterval())
                    .push(settings.push()).build();
        }
    }

    /**
     * {@code ratelimit.config=redis} with a Lettuce client bean and no Jedis one: the same hash, read through Lettuce.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RedisClient.class)
    @Conditional(OnEnvironmentConfig.InRedis.class)
    static class LettuceSharedConfigConfiguration {

        @Bean
        @ConditionalOnMissingBean(value = ConfigSource.class, type = "redis.clients.jedis.UnifiedJedis")
        @ConditionalOnBean(RedisClient.class)
        LettuceSharedConfig rateLimitLettuceConfigSource(RedisClient client, Environment environment) {
            SharedConfigSettings settings = SharedConfigSettings.read(environment);
            return new LettuceSharedConfig(client, settings.key(), settings.pollInterval(), settings.push());
        }
    }

    /** {@code ratelimit.config=dynamodb[:TABLE]}: the configuration in a DynamoDB item, through the application's. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({DynamoDbSharedConfig.class, DynamoDbClient.class})
    @Conditional(OnEnvironmentConfig.InDynamoDb.class)
    static class DynamoDbSharedConfigConfiguration {

        @Bean
        @ConditionalOnMissingBean(ConfigSource.class)
        @ConditionalOnBean(DynamoDbClient.class)
        DynamoDbSharedConfig rateLimitConfigSource(DynamoDbClient client, Environment environment) {
            SharedConfigSettings settings = SharedConfigSettings.read(environment);
            return DynamoDbSharedConfig.builder(client, settings.table()).id(settings.key())
                    .keyAttribute(settings.keyAttribute()).pollInterval(settings.pollInterval()).build();
        }
    }

    /** Metrics of every policy's limiter, when the application has a meter registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MicrometerListener.class, MeterRegistry.class})
    static class MicrometerConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(MeterRegistry.class)
        MicrometerListener rateLimitMicrometerListener(MeterRegistry registry) {
            return MicrometerListener.create(registry);
        }

        /**
         * The engine's configuration status as meters ({@code ratelimit.config.version},
         * {@code ratelimit.config.errors}), bound to every registry by Spring Boot as a {@code MeterBinder}.
         */
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(MeterRegistry.class)
        ConfigStatusMeters rateLimitConfigStatusMeters(RateLimitEngine engine) {
            return ConfigStatusMeters.of(engine::configStatus);
        }
    }

    /** A {@link LettuceRedisStore} on a connection it owns: closing it closes both. */
    static final class LettuceStore implements RateLimitStore {
        private final StatefulRedisConnection<byte[], byte[]> connection;
        private final LettuceRedisStore store;

        LettuceStore(StatefulRedisConnection<byte[], byte[]> connection) {
            this.connection = connection;
            this.store = LettuceRedisStore.builder(connection).build();
        }

        @Override
        public dev.ratelimit.spi.StoreBinding bind(String namespace, dev.ratelimit.Algorithm algorithm,
                List<dev.ratelimit.Limit> limits) {
            return store.bind(namespace, algorithm, limits);
        }

        @Override
        public void close() {
            try {
                store.close();
            } finally {
                connection.close();
            }
        }

        @Override
        public String toString() {
            return store.toString();
        }
    }
}
