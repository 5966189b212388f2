package dev.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Limit;
import dev.ratelimit.RecordingLogger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThrottledLogTest {

    private final AtomicLong now = new AtomicLong(4_102_444_800_000_000L);
    private final RecordingLogger logger = new RecordingLogger();

    @Test
    void writesAtMostTheRatePerWindowAndTheNextLineSaysHowManyWereHeldBack() {
        ThrottledLog log = new ThrottledLog(logger, Limit.parse("2/10s"), now::get);
        IllegalStateException cause = new IllegalStateException("down");
        for (int i = 0; i < 50; i++) {
            log.warn("store failed " + i, cause);
            now.addAndGet(100_000);
        }
        assertThat(logger.lines).containsExactly("WARN store failed 0", "WARN store failed 1");
        assertThat(logger.causes).containsExactly(cause, cause);
        now.addAndGet(5_000_000);
        log.warn("store failed again", cause);
        assertThat(logger.lines).hasSize(3);
        assertThat(logger.lines.get(2)).isEqualTo("WARN store failed again (48 more like it not logged)");
        assertThat(logger.causes.get(2)).isSameAs(cause);
        log.warn("and again", null);
        assertThat(logger.lines).hasSize(4).last().isEqualTo("WARN and again");
    }

    @Test
    void admitCountsHeldBackLinesForCallersThatWriteTheirOwn() {
        ThrottledLog log = new ThrottledLog(logger, Limit.parse("1/1s"), now::get);
        assertThat(log.admit()).isZero();
        assertThat(log.admit()).isEqualTo(-1);
        assertThat(log.admit()).isEqualTo(-1);
        now.addAndGet(999_999);
        assertThat(log.admit()).as("the window lasts the whole interval").isEqualTo(-1);
        now.addAndGet(1);
        assertThat(log.admit()).isEqualTo(3);
        assertThat(log.admit()).isEqualTo(-1);
        assertThat(logger.lines).as("admit writes nothing itself").isEmpty();
    }

    @Test
    void aClockSteppingBackByMoreThanAnIntervalOpensANewWindowButASmallStepDoesNot() {
        ThrottledLog log = new ThrottledLog(logger, Limit.parse("1/1m"), now::get);
        assertThat(log.admit()).isZero();
        now.addAndGet(-1_000);
        assertThat(log.admit()).as("a racing thread's slightly older time").isEqualTo(-1);
        now.addAndGet(-3_600_000_000L);
        assertThat(log.admit()).as("a step back of an hour does not silence the log for an hour").isEqualTo(1);
    }

    @Test
    void theNanosecondConstructorWritesOneLinePerInterval() {
        ThrottledLog log = new ThrottledLog(logger, 3_600_000_000_000L);
        log.warn("first", null);
        log.warn("second", null);
        assertThat(logger.lines).containsExactly("WARN first");
        assertThat(log).hasToString("ThrottledLog{null, 1 lines per 3600000000us}");
        assertThatThrownBy(() -> new ThrottledLog(logger, 999)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("intervalNanos must be between 1000 and " + Long.MAX_VALUE + " but was 999");
        assertThatThrownBy(() -> new ThrottledLog(logger, Limit.parse("1/1s burst 2"), now::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1/1s burst 2");
        assertThatThrownBy(() -> new ThrottledLog(null, Limit.parse("1/1s"), now::get))
                .isInstanceOf(NullPointerException.class).hasMessage("log");
    }

    @Test
    void concurrentCallersNeverGetMoreLinesThanTheRateInOneWindow() throws Exception {
        ThrottledLog log = new ThrottledLog(logger, Limit.parse("5/1h"), now::get);
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        AtomicLong admitted = new AtomicLong();
        AtomicLong heldBackReported = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < 10_000; i++) {
                    long held = log.admit();
                    if (held >= 0) {
                        admitted.incrementAndGet();
                        heldBackReported.addAndGet(held);
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(admitted).hasValue(5);
        now.addAndGet(3_600_000_000L);
        assertThat(log.admit() + heldBackReported.get()).as("every held-back line is reported once")
                .isEqualTo(threads * 10_000L - 5);
    }
}
