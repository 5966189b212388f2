package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.RateLimitConfig;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.micrometer.MicrometerListener;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import dev.ratelimit.testservers.RedisProcess;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Which beans appear for which classpath, beans and properties. */
class AutoConfigurationConditionsTest {

    private static final AutoConfigurations ALL = AutoConfigurations.of(RateLimitAutoConfiguration.class,
            RateLimitServletAutoConfiguration.class, RateLimitWebFluxAutoConfiguration.class,
            RateLimitActuatorAutoConfiguration.class);
    private static final String[] POLICY = {"ratelimit.policies=api", "ratelimit.policy.api.key=ip",
        "ratelimit.policy.api.limits=10/1s"};

    private static RedisProcess redis;
    private static DynamoDbLocal dynamo;

    @BeforeAll
    static void servers() {
        redis = RedisProcess.start();
        dynamo = DynamoDbLocal.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
        dynamo.close();
    }

    private final WebApplicationContextRunner servlet = new WebApplicationContextRunner().withConfiguration(ALL);
    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withConfiguration(ALL);
    private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(ALL);

    @Test
    void withoutPoliciesOrWhenDisabledNothingIsConfigured() {
        servlet.run(c -> assertThat(c).hasNotFailed().doesNotHaveBean(RateLimitEngine.class)
                .doesNotHaveBean(FilterRegistrationBean.class));
        servlet.withPropertyValues(POLICY).withPropertyValues("ratelimit.enabled=false")
                .run(c -> assertThat(c).hasNotFailed().doesNotHaveBean(RateLimitEngine.class)
                        .doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void aServletApplicationGetsTheFilterAReactiveOneTheWebFilterAnotherOneTheEngineOnly() {
        servlet.withPropertyValues(POLICY).withPropertyValues("ratelimit.filter.order=5",
                "ratelimit.filter.url-patterns=/api/*,/v2/*").run(c -> {
                    assertThat(c).hasSingleBean(RateLimitEngine.class).hasSingleBean(RateLimitConfig.class)
                            .hasSingleBean(FilterRegistrationBean.class).doesNotHaveBean(RateLimitWebFilter.class);
                    FilterRegistrationBean<?> registration = c.getBean(FilterRegistrationBean.class);
                    assertThat(registration.getOrder()).isEqualTo(5);
                    assertThat(registration.getUrlPatterns()).containsExactly("/api/*", "/v2/*");
                    // in-memory by default: the engine's own bounded store
                    assertThat(c.getBean(RateLimitEngine.class).store()).isInstanceOf(InMemoryStore.class);
                    assertThat(c).doesNotHaveBean(RateLimitStore.class);
                });
        reactive.withPropertyValues(POLICY).run(c -> {
            assertThat(c).hasSingleBean(RateLimitWebFilter.class).doesNotHaveBean(FilterRegistrationBean.class);
            assertThat(c.getBean(RateLimitWebFilter.class).getOrder()).isEqualTo(-99);
        });
        plain.withPropertyValues(POLICY).run(c -> assertThat(c).hasSingleBean(RateLimitEngine.class)
                .doesNotHaveBean(RateLimitWebFilter.class).doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void aBadPropertyStopsTheContextNamingTheKeyAndWhereItWasSet() {
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.policy.api.limits=100 per minute")
                .run(c -> {
                    assertThat(c).hasFailed();
                    Throwable cause = rootCause(c.getStartupFailure(), ConfigException.class);
                    assertThat(cause).isInstanceOf(ConfigException.class);
                    assertThat(((ConfigException) cause).key()).isEqualTo("ratelimit.policy.api.limits");
                    assertThat(cause.getMessage()).contains("ratelimit.policy.api.limits")
                            .contains("100 per minute").contains("Spring environment").contains("is set in");
                });
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.policy.api.cots=2").run(c -> {
            assertThat(c).hasFailed();
            assertThat(rootCause(c.getStartupFailure(), ConfigException.class))
                    .hasMessageContaining("ratelimit.policy.api.cots");
        });
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=cassandra").run(c -> {
            assertThat(c).hasFailed();
            assertThat(c.getStartupFailure()).rootCause().hasMessageContaining("ratelimit.store=cassandra");
        });
    }

    @Test
    void aRemoteStoreWithoutItsClientBeanStopsTheContext() {
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=redis").run(c -> {
            assertThat(c).hasFailed();
            assertThat(c.getStartupFailure()).rootCause().hasMessageContaining("ratelimit.store=redis needs")
                    .hasMessageContaining("UnifiedJedis");
        });
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=dynamodb").run(c -> {
            assertThat(c).hasFailed();
            assertThat(c.getStartupFailure()).rootCause().hasMessageContaining("ratelimit.store=dynamodb needs")
                    .hasMessageContaining("DynamoDbClient");
        });
    }

    @Test
    void redisFromAJedisBeanOrALettuceClientBean() {
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=redis")
                .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                .run(c -> {
                    assertThat(c).hasSingleBean(RedisStore.class);
                    assertThat(c.getBean(RateLimitEngine.class).store()).isSameAs(c.getBean(RedisStore.class));
                });
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=redis")
                .withBean(RedisClient.class, () -> RedisClient.create("redis://127.0.0.1:" + redis.port()),
                        b -> b.setDestroyMethodName("shutdown"))
                .run(c -> {
                    assertThat(c).hasSingleBean(RateLimitAutoConfiguration.LettuceStore.class)
                            .doesNotHaveBean(RedisStore.class);
                    assertThat(c.getBean(RateLimitEngine.class).store())
                            .isSameAs(c.getBean(RateLimitStore.class));
                });
        // the Jedis bean is ignored unless the store is redis
        plain.withPropertyValues(POLICY)
                .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                .run(c -> assertThat(c).doesNotHaveBean(RedisStore.class));
    }

    @Test
    void dynamoDbFromAClientBean() {
        DynamoDbClient client = dynamo.client();
        DynamoDbStore.createTable(client, "limits-table");
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=dynamodb",
                        "ratelimit.dynamodb.tableName=limits-table")
                .withBean(DynamoDbClient.class, () -> client, b -> b.setDestroyMethodName(""))
                .run(c -> {
                    assertThat(c).hasSingleBean(DynamoDbStore.class);
                    assertThat(c.getBean(DynamoDbStore.class).tableName()).isEqualTo("limits-table");
                    assertThat(c.getBean(RateLimitEngine.class).store())
                            .isSameAs(c.getBean(DynamoDbStore.class));
                });
        java.util.concurrent.atomic.AtomicInteger asyncCalls = new java.util.concurrent.atomic.AtomicInteger();
        software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient async = dynamo.asyncClient(
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution
                            context, software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                        asyncCalls.incrementAndGet();
                    }
                });
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=dynamodb",
                        "ratelimit.dynamodb.tableName=limits-table")
                .withBean(DynamoDbClient.class, () -> client, b -> b.setDestroyMethodName(""))
                .withBean(software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient.class, () -> async,
                        b -> b.setDestroyMethodName(""))
                .run(c -> {
                    assertThat(c).hasSingleBean(DynamoDbStore.class);
                    // a decision on the asynchronous path, through the async client bean
                    assertThat(c.getBean(RateLimitEngine.class).limiter("api", null).tryAcquireAsync("k")
                            .toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS).allowed()).isTrue();
                    assertThat(asyncCalls.get()).isPositive();
                });
    }

    @Test
    void theApplicationsOwnBeansWin() {
        RateLimitStore own = new OwnStore();
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=redis")
                .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                .withBean(RateLimitStore.class, () -> own)
                .run(c -> {
                    assertThat(c).doesNotHaveBean(RedisStore.class);
                    assertThat(c.getBean(RateLimitEngine.class).store()).isSameAs(own);
                });
        RateLimitEngine engine = RateLimitEngine.builder().config(RateLimitConfig.parse(properties())).build();
        servlet.withPropertyValues(POLICY).withBean(RateLimitEngine.class, () -> engine).run(c -> {
            assertThat(c.getBean(RateLimitEngine.class)).isSameAs(engine);
            assertThat(c).hasSingleBean(FilterRegistrationBean.class);
        });
    }

    @Test
    void micrometerListenerWithAMeterRegistryAndTheApplicationsClockAndListeners() {
        plain.withPropertyValues(POLICY).run(c -> assertThat(c).doesNotHaveBean(MicrometerListener.class));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FakeClock clock = new FakeClock();
        plain.withPropertyValues(POLICY).withBean(SimpleMeterRegistry.class, () -> registry)
                .withBean(FakeClock.class, () -> clock)
                .run(c -> {
                    assertThat(c).hasSingleBean(MicrometerListener.class);
                    RateLimitEngine engine = c.getBean(RateLimitEngine.class);
                    dev.ratelimit.RateLimiter limiter = engine.limiter("api", null);
                    for (int i = 0; i < 10; i++) {
                        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
                    }
                    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
                    clock.advance(java.time.Duration.ofMillis(100));   // the application's clock drives the engine
                    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
                    double decisions = registry.find("ratelimit.decisions").tag("limiter", "http:api").counters()
                            .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
                    assertThat(decisions).isEqualTo(12.0);
                });
    }

    @Test
    void theEndpointWhenExposedAndTheStoreHealthForAStoreBean() {
        plain.withPropertyValues(POLICY).run(c -> assertThat(c).doesNotHaveBean(RateLimitEndpoint.class)
                .doesNotHaveBean(RateLimitStoreHealthIndicator.class));
        plain.withPropertyValues(POLICY).withPropertyValues("management.endpoints.web.exposure.include=ratelimit")
                .run(c -> assertThat(c).hasSingleBean(RateLimitEndpoint.class));
        plain.withPropertyValues(POLICY).withBean(RateLimitStore.class, OwnStore::new)
                .run(c -> assertThat(c).hasSingleBean(RateLimitStoreHealthIndicator.class));
    }

    @Test
    void withoutTheOptionalModulesOnTheClasspathTheEngineStillStarts() {
        servlet.withPropertyValues(POLICY)
                .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(RedisStore.class,
                        UnifiedJedis.class, RedisClient.class, DynamoDbStore.class, DynamoDbClient.class,
                        MicrometerListener.class, io.micrometer.core.instrument.MeterRegistry.class,
                        org.springframework.boot.actuate.endpoint.annotation.Endpoint.class))
                .run(c -> assertThat(c).hasNotFailed().hasSingleBean(RateLimitEngine.class)
                        .hasSingleBean(FilterRegistrationBean.class).doesNotHaveBean(RateLimitStore.class));
        plain.withPropertyValues(POLICY).withPropertyValues("ratelimit.store=redis")
                .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(RedisStore.class))
                .run(c -> assertThat(c.getStartupFailure()).rootCause()
                        .hasMessageContaining("ratelimit.store=redis needs"));
    }

    @Test
    void aSharedConfigurationFromTheJedisBeanReplacesTheEnvironmentsAndItsMistakesStopTheContext() {
        try (JedisPooled operator = new JedisPooled("127.0.0.1", redis.port())) {
            new dev.ratelimit.config.ConfigPublisher(dev.ratelimit.config.RedisSharedConfig.builder(operator)
                    .key("conditions:cfg").build()).publish(String.join("\n", POLICY), 0);
        }
        String[] shared = {"ratelimit.config=redis", "ratelimit.configKey=conditions:cfg"};
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        plain.withPropertyValues(shared)
                .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                .withBean(SimpleMeterRegistry.class, () -> registry)
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(dev.ratelimit.config.RedisSharedConfig.class)
                            .doesNotHaveBean(RateLimitConfig.class)
                            .hasSingleBean(dev.ratelimit.micrometer.ConfigStatusMeters.class);
                    RateLimitEngine engine = c.getBean(RateLimitEngine.class);
                    assertThat(engine.configStatus().source()).isEqualTo("redis key conditions:cfg");
                    assertThat(engine.configStatus().version()).isEqualTo("1");
                    assertThat(engine.config().policies()).extracting(dev.ratelimit.http.Policy::name)
                            .containsExactly("api");
                });
        // an engine key in the environment as well: two configurations, one would be ignored
        plain.withPropertyValues(shared).withPropertyValues(POLICY)
                .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                .run(c -> assertThat(c.getStartupFailure()).rootCause()
                        .hasMessageContaining("also sets ratelimit.policies")
                        .hasMessageContaining("redis key conditions:cfg"));
        plain.withPropertyValues(shared).run(c -> assertThat(c.getStartupFailure()).rootCause()
                .hasMessageContaining("ratelimit.config=redis needs").hasMessageContaining("UnifiedJedis"));
        plain.withPropertyValues(shared)
                .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
                        dev.ratelimit.config.RedisSharedConfig.class))
                .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                .run(c -> assertThat(c.getStartupFailure()).rootCause()
                        .hasMessageContaining("with dev.ratelimit:ratelimit-config on the classpath"));
        plain.withPropertyValues("ratelimit.config=zookeeper").run(c -> assertThat(c.getStartupFailure())
                .rootCause().hasMessageContaining("ratelimit.config=zookeeper: expected environment"));
        plain.withPropertyValues(shared).withPropertyValues("ratelimit.configPollInterval=PT5S")
                .run(c -> assertThat(c.getStartupFailure()).rootCause()
                        .hasMessageContaining("ratelimit.configPollInterval=PT5S"));
        plain.withPropertyValues("ratelimit.config=dynamodb:t1", "ratelimit.configPush=false")
                .run(c -> assertThat(c.getStartupFailure()).rootCause()
                        .hasMessageContaining("ratelimit.configPush=false is a setting of ratelimit.config=redis"));
    }

    @Test
    void aSharedConfigurationThroughALettuceClientBeanFollowsAPublish() throws Exception {
        String text = String.join("\n", POLICY);
        try (JedisPooled operator = new JedisPooled("127.0.0.1", redis.port())) {
            dev.ratelimit.config.ConfigPublisher publisher = new dev.ratelimit.config.ConfigPublisher(
                    dev.ratelimit.config.RedisSharedConfig.builder(operator).key("lettuce:cfg").build());
            publisher.publish(text, 0);
            plain.withPropertyValues("ratelimit.config=redis", "ratelimit.configKey=lettuce:cfg")
                    .withBean(RedisClient.class, () -> RedisClient.create("redis://127.0.0.1:" + redis.port()),
                            b -> b.setDestroyMethodName("shutdown"))
                    .run(c -> {
                        assertThat(c).hasNotFailed().hasSingleBean(LettuceSharedConfig.class);
                        RateLimitEngine engine = c.getBean(RateLimitEngine.class);
                        assertThat(engine.configStatus().source()).isEqualTo("redis key lettuce:cfg");
                        assertThat(engine.config().policies().get(0).limits()).containsExactly(Limit.parse("10/1s"));
                        publisher.publish(text.replace("10/1s", "20/1s"), 1);   // pushed through Lettuce
                        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(2))
                                .until(() -> engine.configStatus().version().equals("2"));
                        assertThat(engine.config().policies().get(0).limits()).containsExactly(Limit.parse("20/1s"));
                        dev.ratelimit.config.RedisSharedConfig.builder(operator).key("lettuce:cfg").build()
                                .compareAndSet(2, text.replace("10/1s", "lots"));
                        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(2))
                                .until(() -> engine.configStatus().rejected() == 1);
                        assertThat(engine.configStatus().version()).isEqualTo("2");
                        assertThat(engine.configStatus().lastError()).contains("redis key lettuce:cfg")
                                .contains("ratelimit.policy.api.limits");
                    });
            // a Jedis bean wins over a Lettuce one, as for the store
            publisher.publish(text, 3);
            plain.withPropertyValues("ratelimit.config=redis", "ratelimit.configKey=lettuce:cfg")
                    .withBean(UnifiedJedis.class, () -> new JedisPooled("127.0.0.1", redis.port()))
                    .withBean(RedisClient.class, () -> RedisClient.create("redis://127.0.0.1:" + redis.port()),
                            b -> b.setDestroyMethodName("shutdown"))
                    .run(c -> assertThat(c).hasSingleBean(dev.ratelimit.config.RedisSharedConfig.class)
                            .doesNotHaveBean(LettuceSharedConfig.class));
        }
    }

    @Test
    void aConfigSourceBeanOfTheApplicationsOwnIsUsedForASharedConfigurationOnly() {
        dev.ratelimit.http.ConfigSource own = new dev.ratelimit.http.ConfigSource() {
            @Override
            public String name() {
                return "own source";
            }

            @Override
            public dev.ratelimit.http.ConfigText read() {
                return new dev.ratelimit.http.ConfigText(String.join("\n", POLICY), "7", name());
            }
        };
        plain.withPropertyValues("ratelimit.config=redis")
                .withBean(dev.ratelimit.http.ConfigSource.class, () -> own)
                .run(c -> {
                    assertThat(c).hasNotFailed().doesNotHaveBean(dev.ratelimit.config.RedisSharedConfig.class);
                    assertThat(c.getBean(RateLimitEngine.class).configStatus().source()).isEqualTo("own source");
                    assertThat(c.getBean(RateLimitEngine.class).configStatus().version()).isEqualTo("7");
                });
        plain.withPropertyValues(POLICY).withBean(dev.ratelimit.http.ConfigSource.class, () -> own)
                .run(c -> assertThat(c.getStartupFailure()).rootCause()
                        .hasMessageContaining("defines a ConfigSource bean (own source)")
                        .hasMessageContaining("ratelimit.config is environment"));
    }

    private static java.util.Properties properties() {
        java.util.Properties p = new java.util.Properties();
        for (String line : POLICY) {
            p.setProperty(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
        return p;
    }

    private static Throwable rootCause(Throwable failure, Class<? extends Throwable> type) {
        Throwable t = failure;
        while (t != null && !type.isInstance(t)) {
            t = t.getCause();
        }
        return t == null ? failure : t;
    }

    /** A store of the application's own. */
    private static final class OwnStore implements RateLimitStore {
        private final InMemoryStore delegate = InMemoryStore.create();

        @Override
        public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
            return delegate.bind(namespace, algorithm, limits);
        }
    }
}
