package dev.ratelimit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.redis.RedisStore;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * {@link FleetTest} on one real redis-server for state and configuration, and what push adds: a publish is in force
 * on both instances within the bound by push alone (measured), a broken subscription is made again and catches up,
 * and an unreachable Redis is reported while the configuration in force stays.
 */
class RedisFleetTest extends FleetTest {

    private static RedisProcess redis;
    private static JedisPooled jedis;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
        jedis = new JedisPooled(new HostAndPort("127.0.0.1", redis.port()),
                DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000).connectionTimeoutMillis(2_000).build());
    }

    @AfterAll
    static void stopRedis() {
        jedis.close();
        redis.close();
    }

    private final String key = "cfg:" + UUID.randomUUID();

    private RedisSharedConfig.Builder config() {
        return RedisSharedConfig.builder(jedis).key(key);
    }

    @Override
    SharedConfig polledSource(Duration pollInterval) {
        return config().push(false).pollInterval(pollInterval).build();
    }

    @Override
    SharedConfig followingSource() {
        return config().pollInterval(Duration.ofMinutes(10)).build(); // changes must arrive by push
    }

    @Override
    RateLimitStore store() {
        return RedisStore.builder(jedis).keyPrefix("state:" + key + ":").callerTime().build();
    }

    @Override
    void writeAroundThePublisher(String text, long version) {
        jedis.hset(key, Map.of("text", text, "version", Long.toString(version)));
        jedis.publish(key, Long.toString(version));
    }

    @Override
    String sourceName() {
        return "redis key " + key;
    }

    @Override
    String storeName() {
        return "Redis";
    }

    @Test
    void aPublishedPlanLimitIsEnforcedByBothInstancesWithinTheBoundByPush() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(followingSource());
        publisher.publish(Texts.V1, 0);
        try (RateLimitStore state = store();
                Gateway a = gateway(followingSource(), state);
                Gateway b = gateway(followingSource(), state)) {
            // Version 1: basic is 2 per minute for the whole fleet (shared state in Redis).
            assertThat(alternate("dave", 3, a, b)).containsExactly(200, 200, 429);

            // Push only (polls are 10 minutes apart): the change arrives by pub/sub.
            long micros = publishAndAwait(publisher, Texts.V2, 1, Duration.ofSeconds(1), a, b);
            assertThat(alternate("carol", 5, a, b)).containsExactly(200, 200, 200, 200, 429);

            // More rounds for the figure quoted in the README.
            List<Long> rounds = new ArrayList<>(List.of(micros));
            for (int i = 0; i < 19; i++) {
                rounds.add(publishAndAwait(publisher, (i % 2 == 0 ? Texts.V1 : Texts.V2) + "# round " + i + "\n",
                        2 + i, Duration.ofSeconds(1), a, b));
            }
            Collections.sort(rounds);
            System.out.printf("propagation with push, both instances, 20 publishes: median %.1f ms, max %.1f ms%n",
                    rounds.get(10) / 1000.0, rounds.get(19) / 1000.0);
            assertThat(rounds.get(19)).as("every publish in force on both within 1 s").isLessThan(1_000_000);
        }
    }

    @Test
    void aBrokenSubscriptionIsMadeAgainAndCatchesUpWithAChangeItMissed() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(followingSource());
        publisher.publish(Texts.V1, 0);
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).configSource(followingSource())
                    .build();
            await().atMost(Duration.ofSeconds(5)).until(() -> admin.pubsubNumSub(key).get(key) == 1L);
            // The subscription breaks (a failover, a proxy restart); a change published meanwhile is not pushed.
            assertThat(admin.clientKill(new ClientKillParams().type(ClientType.PUBSUB))).isEqualTo(1);
            publisher.publish(Texts.V2, 1);
            // Resubscribed within a second, the source reads the key and finds version 2 (polls are 10 min apart).
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                    .until(() -> engine.configStatus().version().equals("2"));
            engine.close();
            await("close() ends the subscription").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> admin.pubsubNumSub(key).get(key) == 0L);
        }
    }

    @Test
    void anUnreachableRedisIsReportedAndTheConfigurationKept() throws Exception {
        RedisProcess own = RedisProcess.start();
        try (JedisPooled client = new JedisPooled(new HostAndPort("127.0.0.1", own.port()),
                DefaultJedisClientConfig.builder().socketTimeoutMillis(1_000).connectionTimeoutMillis(500).build())) {
            RedisSharedConfig source = RedisSharedConfig.builder(client).key(key).pollInterval(Duration.ofMillis(50))
                    .build();
            new ConfigPublisher(source).publish(Texts.V1, 0);
            try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).configSource(source).build()) {
                own.kill();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                        .until(() -> engine.configStatus().readFailures() > 0);
                assertThat(engine.configStatus().version()).isEqualTo("1");
                assertThat(engine.configStatus().lastError()).contains("redis key " + key);
                assertThat(engine.config().policies()).hasSize(1);
            }
        } finally {
            own.close();
        }
    }
}
