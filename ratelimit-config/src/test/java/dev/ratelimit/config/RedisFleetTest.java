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
 * Two servlet filters on two embedded Jettys share one real redis-server for state and configuration: a published
 * plan limit is enforced by both within the bound (measured with push and with polling alone), an invalid publish is
 * refused, and an invalid text written straight to the key is kept out by both and reported. Limiter decisions run
 * on a {@link FakeClock}; only the propagation is measured in real time.
 */
class RedisFleetTest {

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

    private final FakeClock clock = new FakeClock();
    private final String key = "cfg:" + UUID.randomUUID();

    private RedisSharedConfig.Builder config() {
        return RedisSharedConfig.builder(jedis).key(key);
    }

    private Gateway gateway(RedisSharedConfig source, RateLimitStore store) throws Exception {
        return Gateway.start(RateLimitEngine.builder().timeSource(clock).store(store).configSource(source).build());
    }

    private RateLimitStore store() {
        return RedisStore.builder(jedis).keyPrefix("state:" + key + ":").callerTime().build();
    }

    /** Publishes and waits until both engines have the new version; the time it took, in microseconds. */
    private static long publishAndAwait(ConfigPublisher publisher, String text, long expected, Duration bound,
            Gateway... fleet) {
        long start = System.nanoTime();
        String version = publisher.publish(text, expected).version();
        await().atMost(bound).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
            for (Gateway g : fleet) {
                if (!g.engine().configStatus().version().equals(version)) {
                    return false;
                }
            }
            return true;
        });
        return (System.nanoTime() - start) / 1000;
    }

    @Test
    void aPublishedPlanLimitIsEnforcedByBothInstancesWithinTheBoundByPush() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(config().build());
        publisher.publish(Texts.V1, 0);
        try (RateLimitStore state = store();
                Gateway a = gateway(config().pollInterval(Duration.ofMinutes(10)).build(), state);
                Gateway b = gateway(config().pollInterval(Duration.ofMinutes(10)).build(), state)) {
            // Version 1: basic is 2 per minute for the whole fleet (shared state in Redis).
            assertThat(List.of(a.get("/x", "dave"), b.get("/x", "dave"), a.get("/x", "dave")))
                    .containsExactly(200, 200, 429);

            // Push only (polls are 10 minutes apart): the change arrives by pub/sub.
            long micros = publishAndAwait(publisher, Texts.V2, 1, Duration.ofSeconds(1), a, b);
            assertThat(List.of(a.get("/x", "carol"), b.get("/x", "carol"), a.get("/x", "carol"),
                    b.get("/x", "carol"), a.get("/x", "carol"))).containsExactly(200, 200, 200, 200, 429);

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
    void withoutPushAChangeArrivesWithinThePollInterval() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(config().build());
        publisher.publish(Texts.V1, 0);
        Duration poll = Duration.ofMillis(500);
        try (RateLimitStore state = store();
                Gateway a = gateway(config().push(false).pollInterval(poll).build(), state);
                Gateway b = gateway(config().push(false).pollInterval(poll).build(), state)) {
            List<Long> rounds = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rounds.add(publishAndAwait(publisher, (i % 2 == 0 ? Texts.V2 : Texts.V1), 1 + i,
                        poll.plusSeconds(1), a, b));
            }
            Collections.sort(rounds);
            System.out.printf("propagation by polling every %d ms, both instances, 5 publishes: median %.1f ms,"
                    + " max %.1f ms%n", poll.toMillis(), rounds.get(2) / 1000.0, rounds.get(4) / 1000.0);
            // Last publish was V2 (i = 4): basic is 4 per minute on both.
            assertThat(List.of(a.get("/x", "erin"), b.get("/x", "erin"), a.get("/x", "erin"), b.get("/x", "erin"),
                    a.get("/x", "erin"))).containsExactly(200, 200, 200, 200, 429);
        }
    }

    @Test
    void anInvalidTextIsRefusedByThePublisherAndKeptOutOfTheFleetWhenWrittenDirectly() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(config().build());
        publisher.publish(Texts.V2, 0);
        try (RateLimitStore state = store();
                Gateway a = gateway(config().pollInterval(Duration.ofMinutes(10)).build(), state);
                Gateway b = gateway(config().pollInterval(Duration.ofMinutes(10)).build(), state)) {
            // The publisher validates first: nothing is written.
            assertThatThrownBy(() -> publisher.publish(Texts.BAD, 1)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ratelimit.plan.basic.limits").hasMessageContaining("4/1minute");
            assertThat(publisher.show().orElseThrow().version()).isEqualTo("1");

            // Someone bypasses the publisher: both instances keep version 1, log it and count it.
            jedis.hset(key, Map.of("text", Texts.BAD, "version", "2"));
            jedis.publish(key, "2");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> a.engine().configStatus().rejected() == 1
                            && b.engine().configStatus().rejected() == 1);
            for (Gateway g : List.of(a, b)) {
                ConfigStatus status = g.engine().configStatus();
                assertThat(status.version()).isEqualTo("1");
                assertThat(status.source()).isEqualTo("redis key " + key);
                assertThat(status.lastError()).contains("redis key " + key + " version 2",
                        "ratelimit.plan.basic.limits", "4/1minute");
            }
            // Version 1 is still enforced: basic is 4 per minute.
            assertThat(List.of(a.get("/x", "frank"), b.get("/x", "frank"), a.get("/x", "frank"),
                    b.get("/x", "frank"), a.get("/x", "frank"))).containsExactly(200, 200, 200, 200, 429);

            // A valid publish over the bad version repairs the fleet.
            publishAndAwait(publisher, Texts.V1, 2, Duration.ofSeconds(1), a, b);
            assertThat(a.engine().configStatus().lastError()).isNull();
        }
    }

    @Test
    void aBrokenSubscriptionIsMadeAgainAndCatchesUpWithAChangeItMissed() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(config().build());
        publisher.publish(Texts.V1, 0);
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock)
                    .configSource(config().pollInterval(Duration.ofMinutes(10)).build()).build();
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
    void twoOperatorsCannotOverwriteEachOther() {
        ConfigPublisher first = new ConfigPublisher(config().build());
        ConfigPublisher second = new ConfigPublisher(config().build());
        assertThat(first.show()).isEmpty();
        assertThat(first.publish(Texts.V1, 0).version()).isEqualTo("1");
        assertThatThrownBy(() -> second.publish(Texts.V2, 0)).isInstanceOf(VersionConflictException.class)
                .hasMessageContaining("is at version 1, not 0");
        assertThat(second.publish(Texts.V2, 1).version()).isEqualTo("2");
        assertThatThrownBy(() -> first.publish(Texts.V1, 1)).isInstanceOfSatisfying(VersionConflictException.class,
                e -> assertThat(e.currentVersion()).isEqualTo(2));
        assertThat(first.show().orElseThrow().text()).isEqualTo(Texts.V2);
    }

    @Test
    void anEngineCannotStartOnAnEmptyKey() {
        assertThatThrownBy(() -> RateLimitEngine.builder().configSource(config().build()).build())
                .isInstanceOf(ConfigStoreException.class).hasMessageContaining("redis key " + key)
                .hasMessageContaining("holds no configuration");
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
