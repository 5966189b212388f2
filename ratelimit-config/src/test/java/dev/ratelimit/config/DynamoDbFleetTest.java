package dev.ratelimit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Two servlet filters on two embedded Jettys share one DynamoDB Local table for state and configuration, polled:
 * a published plan limit is enforced by both within the poll interval, an invalid publish is refused, an invalid item
 * written directly is kept out by both and reported, and two publishers cannot overwrite each other.
 */
class DynamoDbFleetTest {

    private static final String TABLE = "ratelimit";
    private static DynamoDbLocal local;
    private static DynamoDbClient client;

    @BeforeAll
    static void startDynamoDb() {
        local = DynamoDbLocal.start();
        client = local.client();
        DynamoDbStore.createTable(client, TABLE);
    }

    @AfterAll
    static void stopDynamoDb() {
        client.close();
        local.close();
    }

    private final FakeClock clock = new FakeClock();
    private final String id = "config:" + UUID.randomUUID();

    private DynamoDbSharedConfig.Builder config() {
        return DynamoDbSharedConfig.builder(client, TABLE).id(id);
    }

    private RateLimitStore store() {
        return DynamoDbStore.builder(client).tableName(TABLE).keyPrefix(id.substring(7, 15) + ":").callerTime()
                .build();
    }

    private Gateway gateway(DynamoDbSharedConfig source, RateLimitStore store) throws Exception {
        return Gateway.start(RateLimitEngine.builder().timeSource(clock).store(store).configSource(source).build());
    }

    @Test
    void aPublishedPlanLimitIsEnforcedByBothInstancesWithinThePollInterval() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(config().build());
        publisher.publish(Texts.V1, 0);
        Duration poll = Duration.ofMillis(500);
        try (RateLimitStore state = store();
                Gateway a = gateway(config().pollInterval(poll).build(), state);
                Gateway b = gateway(config().pollInterval(poll).build(), state)) {
            assertThat(List.of(a.get("/x", "dave"), b.get("/x", "dave"), a.get("/x", "dave")))
                    .containsExactly(200, 200, 429);
            List<Long> rounds = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                String version = publisher.publish(i % 2 == 0 ? Texts.V2 : Texts.V1, 1 + i).version();
                await().atMost(poll.plusSeconds(1)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> a.engine().configStatus().version().equals(version)
                                && b.engine().configStatus().version().equals(version));
                rounds.add((System.nanoTime() - start) / 1000);
            }
            Collections.sort(rounds);
            System.out.printf("DynamoDB Local, polling every %d ms, both instances, 5 publishes: median %.1f ms,"
                    + " max %.1f ms%n", poll.toMillis(), rounds.get(2) / 1000.0, rounds.get(4) / 1000.0);
            // The last publish (i = 4) was V2: basic is 4 per minute on the whole fleet.
            assertThat(List.of(a.get("/x", "carol"), b.get("/x", "carol"), a.get("/x", "carol"),
                    b.get("/x", "carol"), a.get("/x", "carol"))).containsExactly(200, 200, 200, 200, 429);
        }
    }

    @Test
    void anInvalidTextIsRefusedByThePublisherAndKeptOutOfTheFleetWhenWrittenDirectly() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(config().build());
        publisher.publish(Texts.V2, 0);
        try (RateLimitStore state = store();
                Gateway a = gateway(config().pollInterval(Duration.ofMillis(100)).build(), state);
                Gateway b = gateway(config().pollInterval(Duration.ofMillis(100)).build(), state)) {
            assertThatThrownBy(() -> publisher.publish(Texts.BAD, 1)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ratelimit.plan.basic.limits");
            assertThat(publisher.show().orElseThrow().version()).isEqualTo("1");

            client.putItem(r -> r.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(id),
                    "text", AttributeValue.fromS(Texts.BAD), "version", AttributeValue.fromN("2"))));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> a.engine().configStatus().rejected() == 1
                            && b.engine().configStatus().rejected() == 1);
            for (Gateway g : List.of(a, b)) {
                ConfigStatus status = g.engine().configStatus();
                assertThat(status.version()).isEqualTo("1");
                assertThat(status.lastError()).contains("dynamodb table " + TABLE + " item pk=" + id + " version 2",
                        "ratelimit.plan.basic.limits", "4/1minute");
            }
            assertThat(List.of(a.get("/x", "frank"), b.get("/x", "frank"), a.get("/x", "frank"),
                    b.get("/x", "frank"), a.get("/x", "frank"))).containsExactly(200, 200, 200, 200, 429);
        }
    }

    @Test
    void twoOperatorsCannotOverwriteEachOther() {
        ConfigPublisher first = new ConfigPublisher(config().build());
        ConfigPublisher second = new ConfigPublisher(config().build());
        assertThat(first.show()).isEmpty();
        assertThat(first.publish(Texts.V1, 0).version()).isEqualTo("1");
        assertThatThrownBy(() -> second.publish(Texts.V2, 0)).isInstanceOfSatisfying(VersionConflictException.class,
                e -> assertThat(e.currentVersion()).isEqualTo(1));
        assertThat(second.publish(Texts.V2, 1).version()).isEqualTo("2");
        assertThatThrownBy(() -> first.publish(Texts.V1, 1)).isInstanceOf(VersionConflictException.class)
                .hasMessageContaining("is at version 2, not 1");
        assertThat(first.show().orElseThrow().text()).isEqualTo(Texts.V2);
    }
}
