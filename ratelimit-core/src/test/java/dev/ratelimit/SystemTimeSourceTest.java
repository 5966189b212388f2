package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SystemTimeSourceTest {

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    @Test
    void theSystemTimeSourceReadsTheWallClockToTheMicrosecond() {
        TimeSource system = TimeSource.system();
        for (int i = 0; i < 100_000; i++) {
            long before = micros(Instant.now());
            long now = system.nowMicros();
            long after = micros(Instant.now());
            // The anchor pairs the clocks to about a microsecond; the slack keeps a loaded machine from failing it.
            assertThat(now).as("read %d", i).isBetween(before - 1_000, after + 1_000);
        }
    }
}
