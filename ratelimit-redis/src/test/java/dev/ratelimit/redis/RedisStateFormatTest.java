package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.JedisPooled;

/**
 * States written by the earlier release (format 1: the per-limit fields only, no record of the limits) are still
 * read after an upgrade, as that release read them: as written under the limits of the limiter reading them, limit
 * by limit in order. The first write stores them in format 2.
 */
class RedisStateFormatTest {

    private static final long NOW = 1_767_225_600_000_000L;

    private static JedisPooled jedis() {
        return TestRedis.standaloneClient();
    }

    /** Format 1: a format byte 1, then the reference state's fields (after element 0) as little-endian doubles. */
    private static byte[] formatOne(long[] fields) {
        ByteBuffer bytes = ByteBuffer.allocate(1 + 8 * fields.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put((byte) 1);
        for (long field : fields) {
            bytes.putDouble(field);
        }
        return bytes.array();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW", "TOKEN_BUCKET"})
    void aStateOfTheEarlierFormatIsReadAsWrittenUnderTheseLimits(Algorithm algorithm) {
        int width = algorithm == Algorithm.SLIDING_WINDOW ? 3 : 2;
        StateTransition reference = StateTransition.of(algorithm);
        RedisStore store = RedisStore.builder(jedis()).keyPrefix("format1:").callerTime().build();
        for (List<Limit> limits : List.of(List.of(Limit.parse("10/10s")),
                List.of(Limit.parse("10/10s"), Limit.parse("50/1m")))) {
            StoreBinding binding = store.bind("ns" + limits.size(), algorithm, limits);
            long[] spent = reference.apply(null, limits, 7, NOW).state();
            long[] fields = new long[width * limits.size()];
            System.arraycopy(spent, 1, fields, 0, fields.length);
            byte[] key = ((RedisBinding) binding).redisKey("k");
            jedis().set(key, formatOne(fields));

            long later = NOW + 1_500_000;
            StateTransition.Result first = reference.apply(spent, limits, 2, later);
            assertThat(binding.peek("k", later)).isEqualTo(reference.apply(spent, limits, 0, later).decision());
            assertThat(binding.tryAcquire("k", 2, later)).isEqualTo(first.decision());
            assertThat(jedis().get(key)[0]).as("rewritten in format 2").isEqualTo((byte) 2);
            assertThat(binding.tryAcquire("k", 2, later))
                    .isEqualTo(reference.apply(first.state(), limits, 2, later).decision());
        }
    }

    /** The earlier release's rule for a changed token bucket: the time until the bucket is full carries. */
    @Test
    void aTokenBucketOfTheEarlierFormatKeepsTheTimeUntilFullUnderAnotherRate() {
        RedisStore store = RedisStore.builder(jedis()).keyPrefix("format1tb:").callerTime().build();
        StoreBinding raised = store.bind("ns", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("20/10s")));
        // Written by the earlier release under 10/10s with 8 spent: full again in 8 s, which is 16 short of 20.
        jedis().set(((RedisBinding) raised).redisKey("k"), formatOne(new long[] {NOW + 8_000_000, 0}));
        Decision peek = raised.peek("k", NOW);
        assertThat(peek.remaining()).isEqualTo(4);
        assertThat(peek.resetAfterMicros()).isEqualTo(8_000_000);
    }
}
