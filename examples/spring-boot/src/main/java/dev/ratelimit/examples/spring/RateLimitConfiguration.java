package dev.ratelimit.examples.spring;

import dev.ratelimit.Limit;
import dev.ratelimit.TimeSource;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.servlet.KeyResolver;
import dev.ratelimit.servlet.Plan;
import dev.ratelimit.servlet.Plans;
import dev.ratelimit.servlet.Policy;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.servlet.TrustedProxies;
import dev.ratelimit.spi.RateLimitStore;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * Registers the rate limit filter with a {@link FilterRegistrationBean}: a per-IP policy and a per-API-key policy
 * whose limits come from the key's plan, counted in memory or in Redis as {@code app.ratelimit.store} says.
 */
@Configuration
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitConfiguration {

    @Bean
    FilterRegistrationBean<RateLimitFilter> rateLimitFilter(RateLimitStore store, TimeSource time,
            RateLimitProperties props) {
        RateLimitFilter filter = RateLimitFilter.builder()
                .policy(Policy.builder("perIp")
                        .key(KeyResolver.clientIp(TrustedProxies.none()))   // behind a proxy: TrustedProxies.of(...)
                        .limits(limits(props.perIp()))
                        .build())
                .policy(Policy.builder("perKey")
                        .key(KeyResolver.header("X-API-Key"))                  // no key or a key on no plan: 401
                        .limitsFromPlans()
                        .build())
                .plans(plans(props))
                .store(store)
                .timeSource(time)
                .build();
        FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns("/api/*");
        registration.setOrder(1);
        return registration;
    }

    @Bean
    TimeSource timeSource() {
        return TimeSource.system();
    }

    @Bean
    @ConditionalOnProperty(name = "app.ratelimit.store", havingValue = "memory", matchIfMissing = true)
    RateLimitStore inMemoryStore() {
        return InMemoryStore.create();
    }

    @Bean
    @ConditionalOnProperty(name = "app.ratelimit.store", havingValue = "redis")
    UnifiedJedis jedis(RateLimitProperties props) {
        // Bounded waits: a stalled Redis costs a request about 3 x the timeout (pool wait, connect, answer), then
        // the filter's failure policy decides. Jedis's defaults wait 2 s per command and forever for a connection.
        int millis = (int) props.redis().timeout().toMillis();
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(props.redis().maxConnections());
        pool.setMaxIdle(props.redis().maxConnections());
        pool.setMaxWait(props.redis().timeout());
        return new JedisPooled(new HostAndPort(props.redis().host(), props.redis().port()),
                DefaultJedisClientConfig.builder().connectionTimeoutMillis(millis).socketTimeoutMillis(millis).build(),
                pool);
    }

    @Bean
    @ConditionalOnProperty(name = "app.ratelimit.store", havingValue = "redis")
    RateLimitStore redisStore(UnifiedJedis jedis) {
        return RedisStore.builder(jedis).build();   // decisions use Redis TIME: every instance agrees
    }

    private static Plans plans(RateLimitProperties props) {
        Plans.Builder plans = Plans.builder();
        if (props.plans() != null) {
            props.plans().forEach((name, limits) -> plans.plan(Plan.of(name, limits(limits))));
        }
        if (props.planKeys() != null) {
            props.planKeys().forEach((name, keys) -> keys.forEach(key -> plans.assign(key, name)));
        }
        return plans.build();
    }

    private static Limit[] limits(List<String> texts) {
        return texts.stream().map(Limit::parse).toArray(Limit[]::new);
    }
}
