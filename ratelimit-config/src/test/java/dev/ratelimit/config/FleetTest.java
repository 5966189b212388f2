package dev.ratelimit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigStatus;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.testkit.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every shared configuration store must give a fleet, run by a subclass per store: two servlet filters on two
 * embedded Jettys share one real server for state and configuration; a published plan limit is enforced by both
 * within the poll interval (measured), an invalid publish is refused, an invalid text written around the publisher is
 * kept out by both and reported, and two publishers cannot overwrite each other. Limiter decisions run on a
 * {@link FakeClock}; only the propagation is measured in real time.
 */
abstract class FleetTest {

    final FakeClock clock = new FakeClock();

    /** A source for one instance that polls every {@code pollInterval} and never relies on push. */
    abstract SharedConfig polledSource(Duration pollInterval);

    /** A source for one instance that learns of a change within a second, by push where the store has it. */
    abstract SharedConfig followingSource();

    /** State shared by the instances of one test, apart from other tests' state. */
    abstract RateLimitStore store();

    /** Writes {@code text} as {@code version} straight into the store, bypassing the publisher's validation. */
    abstract void writeAroundThePublisher(String text, long version);

    /** The store's name of the configuration, as errors and {@link ConfigStatus#source()} give it. */
    abstract String sourceName();

    /** The name of the store in the printed figures. */
    abstract String storeName();

    Gateway gateway(SharedConfig source, RateLimitStore store) throws Exception {
        return Gateway.start(RateLimitEngine.builder().timeSource(clock).store(store).configSource(source).build());
    }

    /** Publishes and waits until every instance has the new version; the time it took, in microseconds. */
    static long publishAndAwait(ConfigPublisher publisher, String text, long expected, Duration bound,
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

    /** The statuses of {@code count} requests of {@code user}, sent to the instances in turn. */
    static List<Integer> alternate(String user, int count, Gateway... fleet) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(fleet[i % fleet.length].get("/x", user));
        }
        return statuses;
    }

    @Test
    void aPublishedPlanLimitIsEnforcedByBothInstancesWithinThePollInterval() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(followingSource());
        publisher.publish(Texts.V1, 0);
        Duration poll = Duration.ofMillis(500);
        try (RateLimitStore state = store();
                Gateway a = gateway(polledSource(poll), state);
                Gateway b = gateway(polledSource(poll), state)) {
            // Version 1: basic is 2 per minute for the whole fleet (shared state).
            assertThat(alternate("dave", 3, a, b)).containsExactly(200, 200, 429);
            List<Long> rounds = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rounds.add(publishAndAwait(publisher, i % 2 == 0 ? Texts.V2 : Texts.V1, 1 + i, poll.plusSeconds(1),
                        a, b));
            }
            Collections.sort(rounds);
            System.out.printf("%s, polling every %d ms, both instances, 5 publishes: median %.1f ms, max %.1f ms%n",
                    storeName(), poll.toMillis(), rounds.get(2) / 1000.0, rounds.get(4) / 1000.0);
            // The last publish (i = 4) was V2: basic is 4 per minute on the whole fleet, and dave's 2 stay spent.
            assertThat(alternate("dave", 3, a, b)).containsExactly(200, 200, 429);
            assertThat(alternate("carol", 5, a, b)).containsExactly(200, 200, 200, 200, 429);
        }
    }

    @Test
    void anInvalidTextIsRefusedByThePublisherAndKeptOutOfTheFleetWhenWrittenDirectly() throws Exception {
        ConfigPublisher publisher = new ConfigPublisher(followingSource());
        publisher.publish(Texts.V2, 0);
        try (RateLimitStore state = store();
                Gateway a = gateway(followingSource(), state);
                Gateway b = gateway(followingSource(), state)) {
            // The publisher validates first: nothing is written.
            assertThatThrownBy(() -> publisher.publish(Texts.BAD, 1)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ratelimit.plan.basic.limits").hasMessageContaining("4/1minute");
            assertThat(publisher.show().orElseThrow().version()).isEqualTo("1");

            // Someone bypasses the publisher: both instances keep version 1, log it and count it.
            writeAroundThePublisher(Texts.BAD, 2);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> a.engine().configStatus().rejected() == 1
                            && b.engine().configStatus().rejected() == 1);
            for (Gateway g : List.of(a, b)) {
                ConfigStatus status = g.engine().configStatus();
                assertThat(status.version()).isEqualTo("1");
                assertThat(status.source()).isEqualTo(sourceName());
                assertThat(status.lastError()).contains(sourceName() + " version 2", "ratelimit.plan.basic.limits",
                        "4/1minute");
            }
            // Version 1 is still enforced: basic is 4 per minute.
            assertThat(alternate("frank", 5, a, b)).containsExactly(200, 200, 200, 200, 429);

            // A valid publish over the bad version repairs the fleet.
            publishAndAwait(publisher, Texts.V1, 2, Duration.ofSeconds(5), a, b);
            assertThat(a.engine().configStatus().lastError()).isNull();
        }
    }

    @Test
    void twoOperatorsCannotOverwriteEachOther() {
        ConfigPublisher first = new ConfigPublisher(followingSource());
        ConfigPublisher second = new ConfigPublisher(followingSource());
        assertThat(first.show()).isEmpty();
        assertThat(first.publish(Texts.V1, 0).version()).isEqualTo("1");
        assertThatThrownBy(() -> second.publish(Texts.V2, 0)).isInstanceOfSatisfying(VersionConflictException.class,
                e -> assertThat(e.currentVersion()).isEqualTo(1)).hasMessageContaining("is at version 1, not 0");
        assertThat(second.publish(Texts.V2, 1).version()).isEqualTo("2");
        assertThatThrownBy(() -> first.publish(Texts.V1, 1)).isInstanceOfSatisfying(VersionConflictException.class,
                e -> assertThat(e.currentVersion()).isEqualTo(2)).hasMessageContaining("is at version 2, not 1");
        assertThat(first.show().orElseThrow().text()).isEqualTo(Texts.V2);
    }

    @Test
    void anEngineCannotStartOnAnEmptyKey() {
        assertThatThrownBy(() -> RateLimitEngine.builder().configSource(followingSource()).build())
                .isInstanceOf(ConfigStoreException.class).hasMessageContaining(sourceName())
                .hasMessageContaining("holds no configuration");
    }
}
