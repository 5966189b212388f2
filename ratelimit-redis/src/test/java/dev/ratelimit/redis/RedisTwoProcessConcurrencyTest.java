package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.JedisPooled;

/**
 * Two JVMs (this one and a second started with the test classpath) with 16 threads each ask for one permit of
 * one key, at one frozen time, so within one window: exactly the limit is admitted, never more, never fewer.
 */
class RedisTwoProcessConcurrencyTest {

    private static final int THREADS = 16;
    private static final int REQUESTS = 40;
    private static final int LIMIT = 1_000;

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void twoProcessesOfSixteenThreadsAdmitExactlyTheLimit(Algorithm algorithm) throws Exception {
        int port = TestRedis.standalone().port();
        String key = "hot-" + algorithm;
        long now = 1_767_225_600_000_000L;
        String limit = LIMIT + "/1h";
        File childErr = File.createTempFile("acquirer-", ".err");
        childErr.deleteOnExit();
        Process child = new ProcessBuilder(ConcurrentAcquirer.command(port, algorithm, limit, key, now, THREADS,
                REQUESTS)).redirectError(childErr).start();
        try (JedisPooled client = ConcurrentAcquirer.client(port, THREADS);
                BufferedReader childOut = new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                Writer childIn = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong allowed = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Thread[] workers = new ConcurrentAcquirer(client, algorithm, limit, key, now, THREADS, REQUESTS)
                    .prepare(go, allowed, failed);
            assertThat(childOut.readLine()).as("second JVM, stderr: %s", Files.readString(childErr.toPath()))
                    .isEqualTo("READY");
            childIn.write("GO\n");
            childIn.flush();
            go.countDown();
            for (Thread w : workers) {
                w.join(60_000);
                assertThat(w.isAlive()).isFalse();
            }
            String result = childOut.readLine();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("second JVM, stderr: %s", Files.readString(childErr.toPath())).isZero();
            assertThat(result).as("second JVM's report").matches("ALLOWED \\d+ FAILED 0");
            long childAllowed = Long.parseLong(result.split(" ")[1]);
            assertThat(failed).hasValue(0);
            assertThat(allowed.get() + childAllowed)
                    .as("admitted here %d, in the second JVM %d", allowed.get(), childAllowed).isEqualTo(LIMIT);
            // Each JVM asks 640 times, so neither can take the whole limit of 1,000 alone.
            assertThat(childAllowed).as("the second JVM took part").isPositive();
            assertThat(allowed.get()).as("this JVM took part").isPositive();
        } finally {
            child.destroyForcibly();
        }
    }
}
