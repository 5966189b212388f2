package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * TOKEN_BUCKET admits exactly what Bucket4j's greedy bandwidth of the same capacity and refill admits, on the
 * same random request sequences and times: same allowed/denied, same remaining tokens, and the same wait (ours
 * rounded up to a microsecond, Bucket4j's in nanoseconds).
 */
class TokenBucketDifferentialTest {

    private static final int SEQUENCES = 300;
    private static final int REQUESTS = 200;

    @Test
    void admitsExactlyWhatBucket4jsGreedyBandwidthAdmits() {
        long compared = 0;
        long denials = 0;
        for (long seed = 0; seed < SEQUENCES; seed++) {
            Random random = new Random(seed);
            long capacity = 1 + random.nextInt(30);
            long refill = 1 + random.nextInt(30);
            long periodMicros = 1 + random.nextInt(3_000_000);
            AtomicLong micros = new AtomicLong(1_767_225_600_000_000L);

            RateLimiter ours = RateLimiter.builder()
                    .limit(Limit.of(refill, Duration.ofNanos(periodMicros * 1_000)).withBurst(capacity))
                    .algorithm(Algorithm.TOKEN_BUCKET)
                    .timeSource(micros::get)
                    .build();
            Bucket theirs = Bucket.builder()
                    .addLimit(limit -> limit.capacity(capacity).refillGreedy(refill, Duration.ofNanos(periodMicros * 1_000)))
                    .withCustomTimePrecision(new TimeMeter() {
                        @Override
                        public long currentTimeNanos() {
                            return micros.get() * 1_000;
                        }

                        @Override
                        public boolean isWallClockBased() {
                            return false;
                        }
                    })
                    .build();

            for (int i = 0; i < REQUESTS; i++) {
                long permits = 1 + random.nextInt((int) Math.min(capacity, 4));
                Decision decision = ours.tryAcquire("k", permits);
                ConsumptionProbe probe = theirs.tryConsumeAndReturnRemaining(permits);
                String where = "seed " + seed + " request " + i + ": " + capacity + " tokens, " + refill + " per "
                        + periodMicros + "us, " + permits + " permits";
                assertThat(decision.allowed()).as(where).isEqualTo(probe.isConsumed());
                assertThat(decision.remaining()).as(where).isEqualTo(probe.getRemainingTokens());
                if (!decision.allowed()) {
                    long theirWaitMicros = -Math.floorDiv(-probe.getNanosToWaitForRefill(), 1_000);
                    assertThat(decision.retryAfterMicros()).as(where).isEqualTo(theirWaitMicros);
                    denials++;
                }
                compared++;
                int gap = random.nextInt(4);
                micros.addAndGet(gap == 0 ? 0 : gap == 1 ? random.nextInt(100) : random.nextLong(periodMicros + 1));
            }
        }
        assertThat(compared).isEqualTo((long) SEQUENCES * REQUESTS);
        assertThat(denials).as("the sequences exercise denials").isGreaterThan(compared / 10);
    }
}
