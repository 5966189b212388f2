package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine following a {@link ConfigSource}: the first read, a pushed change, a bad text kept out and counted, an
 * unreadable source counted, and the file source's status. The Redis and DynamoDB sources are tested in
 * ratelimit-config against real servers.
 */
class ConfigSourceTest {

    private static final String ONE = "ratelimit.policies=global\nratelimit.policy.global.key=constant\n"
            + "ratelimit.policy.global.limits=1/1m\n";
    private static final String TWO = ONE.replace("1/1m", "2/1m");

    private final FakeClock clock = new FakeClock();

    /** A source in memory; {@link #push()} calls the engine's callback as a store's notification would. */
    static final class MemorySource implements ConfigSource {
        volatile ConfigText text;
        volatile RuntimeException failure;
        volatile Runnable callback;
        final AtomicInteger reads = new AtomicInteger();
        volatile CountDownLatch readLatch = new CountDownLatch(0);
        volatile boolean closed;

        MemorySource(String text) {
            set(text, "1");
        }

        void set(String value, String version) {
            text = new ConfigText(value, version, name());
        }

        void push() {
            callback.run();
        }

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public ConfigText read() {
            reads.incrementAndGet();
            readLatch.countDown();
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
            return text;
        }

        @Override
        public Duration pollInterval() {
            return Duration.ofDays(1);
        }

        @Override
        public boolean subscribe(Runnable changed) {
            callback = changed;
            return true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static long limit(RateLimitEngine engine) {
        return engine.limiter("global", null).peek("all").limit().permits();
    }

    @Test
    void theFirstReadConfiguresTheEngineAndAPushedChangeIsPutInForce() throws Exception {
        MemorySource source = new MemorySource(ONE);
        try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).configSource(source).build()) {
            assertThat(limit(engine)).isEqualTo(1);
            assertThat(engine.configStatus()).isEqualTo(new ConfigStatus("memory", "1", 0, 0, null));

            source.set(TWO, "2");
            source.readLatch = new CountDownLatch(1);
            source.push();
            assertThat(source.readLatch.await(10, TimeUnit.SECONDS)).as("the push made the engine read").isTrue();
            engine.reloadConfiguration(); // runs after the pushed read on the watcher's one thread
            assertThat(limit(engine)).isEqualTo(2);
            assertThat(engine.configStatus().version()).isEqualTo("2");
        }
        assertThat(source.closed).as("close() closes the source").isTrue();
    }

    @Test
    void aBadTextKeepsTheLastGoodOneAndIsCountedOnce() {
        MemorySource source = new MemorySource(ONE);
        try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).configSource(source).build()) {
            source.set(ONE.replace("1/1m", "lots"), "2");
            assertThat(engine.reloadConfiguration()).isFalse();
            assertThat(engine.reloadConfiguration()).isFalse();
            assertThat(limit(engine)).isEqualTo(1);
            ConfigStatus status = engine.configStatus();
            assertThat(status.version()).isEqualTo("1");
            assertThat(status.rejected()).as("the same bad text counts once").isEqualTo(1);
            assertThat(status.lastError()).contains("memory version 2", "ratelimit.policy.global.limits", "lots");

            source.set(TWO, "3");
            assertThat(engine.reloadConfiguration()).isTrue();
            assertThat(limit(engine)).isEqualTo(2);
            assertThat(engine.configStatus().lastError()).isNull();

            source.set(TWO, "4"); // the same text again under a new version: reported, nothing rebuilt
            RateLimiter before = engine.limiter("global", null);
            assertThat(engine.reloadConfiguration()).isTrue();
            assertThat(engine.configStatus().version()).isEqualTo("4");
            assertThat(engine.limiter("global", null)).isSameAs(before);
        }
    }

    @Test
    void anUnreadableSourceKeepsTheConfigurationAndIsCounted() {
        MemorySource source = new MemorySource(ONE);
        try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock).configSource(source).build()) {
            source.failure = new IllegalStateException("store down");
            engine.reloadConfiguration();
            assertThat(limit(engine)).isEqualTo(1);
            assertThat(engine.configStatus().readFailures()).isEqualTo(1);
            assertThat(engine.configStatus().lastError()).contains("memory", "store down");
        }
    }

    @Test
    void aSourceThatCannotBeReadOrIsInvalidFailsTheBuildAndIsClosed() {
        MemorySource bad = new MemorySource("ratelimit.policies=x\n");
        assertThatThrownBy(() -> RateLimitEngine.builder().configSource(bad).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("memory version 1");
        assertThat(bad.closed).isTrue();
        MemorySource down = new MemorySource(ONE);
        down.failure = new IllegalStateException("store down");
        assertThatThrownBy(() -> RateLimitEngine.builder().configSource(down).build()).hasMessage("store down");
        assertThat(down.closed).isTrue();
    }

    @Test
    void theFileSourceReportsItsVersionAndRejectedChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r.properties");
        Files.writeString(file, ONE);
        try (RateLimitEngine engine = RateLimitEngine.builder().timeSource(clock)
                .configLocation("file:" + file).build()) {
            ConfigStatus before = engine.configStatus();
            assertThat(before.source()).isEqualTo("file:" + file);
            assertThat(before.version()).hasSize(12);
            Files.writeString(file, ONE + "ratelimit.reload=1s\nratelimit.unknown=1\n");
            assertThatThrownBy(engine::reloadConfiguration).isInstanceOf(ConfigException.class);
            assertThat(engine.configStatus().version()).isEqualTo(before.version());
        }
    }

    @Test
    void theFileIsAConfigSourceWhoseVersionIsADigestOfItsBytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r.properties");
        Files.writeString(file, ONE);
        ConfigFile source = new ConfigFile("file:" + file, clock, new Object(), config -> { });
        ConfigText first = source.read();
        assertThat(first.text()).isEqualTo(ONE);
        assertThat(first.source()).isEqualTo(source.name()).isEqualTo("file:" + file);
        assertThat(first.version()).matches("[0-9a-f]{12}").isEqualTo(source.read().version());
        Files.writeString(file, TWO);
        assertThat(source.read().version()).isNotEqualTo(first.version());
        assertThat(source.read().parse().policies()).hasSize(1);
    }

    @Test
    void aConfigurationInCodeReportsCode() {
        try (RateLimitEngine engine = RateLimitEngine.builder().config(RateLimitConfig.parse(
                new ConfigText(ONE, "1", "t").parse().properties())).build()) {
            assertThat(engine.configStatus()).isEqualTo(new ConfigStatus("code", "-", 0, 0, null));
        }
    }
}
