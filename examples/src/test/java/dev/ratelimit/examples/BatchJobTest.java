package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testkit.FakeClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchJobTest {

    @Test
    void holdsTheRateOfFiftyCallsPerSecond() throws Exception {
        FakeClock clock = new FakeClock();
        long start = clock.nowMicros();
        List<Long> callTimes = new ArrayList<>();
        int calls = new BatchJob(50, clock).run(200, item -> callTimes.add(clock.nowMicros() - start));
        assertThat(calls).isEqualTo(200);
        // The first call goes at once, then one every 20 ms: 199 gaps of exactly 20 ms.
        assertThat(callTimes.get(0)).isZero();
        for (int i = 1; i < callTimes.size(); i++) {
            assertThat(callTimes.get(i) - callTimes.get(i - 1)).as("gap before call %d", i).isEqualTo(20_000);
        }
        assertThat(clock.sleeps()).hasSize(199);
    }
}
