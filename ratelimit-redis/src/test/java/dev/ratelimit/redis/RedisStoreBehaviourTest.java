package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** What the Redis store promises beyond the shared contract: scripts, clock, expiry, number bounds, replicas. */
class RedisStoreBehaviourTest {

    private static final long NOW = 1_767_225_600_000_000L;

    private static JedisPooled jedis() {
        return TestRedis.standaloneClient();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void afterScriptFlushTheScriptIsReloadedAndTheDecisionStillReturned(Algorithm algorithm) throws Exception {
        RedisStore store = RedisStore.builder(jedis()).keyPrefix("noscript:").build();
        StoreBinding binding = store.bind("ns", algorithm, List.of(Limit.parse("3/1h")));
        String sha = sha1(DecisionScript.of(algorithm).text());
        assertThat(binding.tryAcquire("k", 1, 0).remaining()).isEqualTo(2);

        jedis().scriptFlush();
        assertThat(jedis().scriptExists(List.of(sha)).get(0)).as("flushed").isFalse();
        Decision afterFlush = binding.tryAcquire("k", 1, 0);

        assertThat(afterFlush.allowed()).isTrue();
        assertThat(afterFlush.remaining()).as("the key's state survived; only the script was reloaded").isEqualTo(1);
        assertThat(jedis().scriptExists(List.of(sha)).get(0)).as("reloaded").isTrue();
        assertThat(binding.tryAcquire("k", 1, 0).remaining()).isZero();
        assertThat(binding.tryAcquire("k", 1, 0).allowed()).isFalse();
    }

    /**
     * Two app instances whose clocks are two hours apart share a key of 2/1h: with the default (Redis TIME) the
     * late instance cannot refill by its own clock; with caller time it can, which is why TIME is the default.
     */
    @Test
    void redisTimeIsTheDefaultClockSoInstancesWithSkewedClocksAgree() {
        FakeClock early = new FakeClock(Instant.parse("2020-01-01T00:00:00Z"));
        FakeClock late = new FakeClock(Instant.parse("2020-01-01T02:00:00Z"));
        RedisStore serverTime = RedisStore.builder(jedis()).keyPrefix("clock:").build();
        RateLimiter a = limiter(serverTime, early, Algorithm.TOKEN_BUCKET, "2/1h");
        RateLimiter b = limiter(serverTime, late, Algorithm.TOKEN_BUCKET, "2/1h");
        assertThat(a.tryAcquire("k").allowed()).isTrue();
        assertThat(a.tryAcquire("k").allowed()).isTrue();
        Decision denied = b.tryAcquire("k");
        assertThat(denied.allowed()).as("the late clock does not refill the bucket").isFalse();
        assertThat(denied.retryAfter()).isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));

        RedisStore callerTime = RedisStore.builder(jedis()).keyPrefix("clock-caller:").callerTime().build();
        RateLimiter c = limiter(callerTime, early, Algorithm.TOKEN_BUCKET, "2/1h");
        RateLimiter d = limiter(callerTime, late, Algorithm.TOKEN_BUCKET, "2/1h");
        c.tryAcquire("k");
        c.tryAcquire("k");
        assertThat(d.tryAcquire("k").allowed()).as("with caller time the late clock refills").isTrue();
    }

    /** A fixed hourly window ends at the next hour of Redis's clock, whatever the limiter's clock says. */
    @Test
    void windowsFollowRedisTimeNotTheLimitersClock() {
        RedisStore store = RedisStore.builder(jedis()).keyPrefix("clock-window:").build();
        RateLimiter limiter = limiter(store, new FakeClock(Instant.parse("2001-01-01T00:59:59Z")),
                Algorithm.FIXED_WINDOW, "5/1h");
        long before = redisMicros();
        Decision decision = limiter.tryAcquire("k");
        long after = redisMicros();
        long hour = 3_600_000_000L;
        long endOfWindow = (before / hour + 1) * hour;
        if (after / hour == before / hour) {
            assertThat(decision.resetAfterMicros()).isBetween(endOfWindow - after, endOfWindow - before);
        }
        assertThat(decision.remaining()).isEqualTo(4);
    }

    /**
     * After any mix of operations every key the store wrote has a TTL, and the TTL is the time until the key is
     * back at full allowance (the store's expiry margin is 0 with Redis time).
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void everyKeyHasATtlUntilItIsBackAtFullAllowance(Algorithm algorithm) {
        String prefix = "ttl-" + algorithm + ":";
        RedisStore store = RedisStore.builder(jedis()).keyPrefix(prefix).build();
        StoreBinding single = store.bind("one", algorithm, List.of(Limit.parse("5/10s")));
        StoreBinding multi = store.bind("two", algorithm, List.of(Limit.parse("3/1s"), Limit.parse("10/1m")));
        for (int i = 0; i < 3; i++) {
            Decision d = single.tryAcquire("k", 1, 0);
            long pttl = jedis().pttl(((RedisBinding) single).redisKey("k"));
            long expectedMillis = (d.resetAfterMicros() + 999) / 1_000;
            assertThat(pttl).as("PTTL after decision %s", d).isPositive().isLessThanOrEqualTo(expectedMillis)
                    .isGreaterThan(expectedMillis - 2_000);
        }
        for (int i = 0; i < 5; i++) {
            multi.tryAcquire("m" + (i % 2), 1, 0);
        }
        multi.adjust("m0", 2, 0);
        multi.adjust("m1", -1, 0);
        single.adjust("p", 3, 0);
        single.peek("never-written", 0);
        // The longest limit is 1 minute; a sliding window is back at full allowance two periods after its
        // current window starts, the other algorithms within one.
        List<byte[]> keys = scan(prefix);
        assertThat(keys).hasSize(4);
        for (byte[] key : keys) {
            assertThat(jedis().pttl(key)).as("PTTL of %s", new String(key, StandardCharsets.UTF_8))
                    .isPositive().isLessThanOrEqualTo(120_000);
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aKeyBackAtFullAllowanceIsGone(Algorithm algorithm) {
        RedisStore store = RedisStore.builder(jedis()).keyPrefix("gone-" + algorithm + ":").build();
        StoreBinding binding = store.bind("ns", algorithm, List.of(Limit.parse("5/1h")));
        byte[] refunded = ((RedisBinding) binding).redisKey("refunded");
        binding.tryAcquire("refunded", 2, 0);
        assertThat(jedis().exists(refunded)).isTrue();
        binding.adjust("refunded", -2, 0);
        assertThat(jedis().exists(refunded)).as("a full refund deletes the key at once").isFalse();

        binding.peek("peeked", 0);
        assertThat(jedis().exists(((RedisBinding) binding).redisKey("peeked"))).as("peek writes nothing").isFalse();

        StoreBinding fast = store.bind("fast", algorithm, List.of(Limit.parse("2/200ms")));
        byte[] idle = ((RedisBinding) fast).redisKey("idle");
        fast.tryAcquire("idle", 2, 0);
        assertThat(jedis().pttl(idle)).as("expires within two periods (or already has)").isLessThanOrEqualTo(400);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> !jedis().exists(idle));
        assertThat(fast.tryAcquire("idle", 2, 0).allowed()).isTrue();
    }

    @Test
    void integersInTheScriptsStayBelowTwoToThe53() {
        RedisStore store = RedisStore.builder(jedis()).keyPrefix("bounds:").callerTime().build();
        // Accepted by the core's 64-bit check (permits x period <= 2^62) but not exact in Lua doubles.
        List<Limit> slidingTooLarge = List.of(Limit.of(100_000_000, Duration.ofHours(1)));
        assertThatNoException().isThrownBy(
                () -> StateTransition.of(Algorithm.SLIDING_WINDOW).validate(slidingTooLarge));
        assertThatThrownBy(() -> store.bind("w", Algorithm.SLIDING_WINDOW, slidingTooLarge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100000000/1h")
                .hasMessageContaining("2^53");

        // The largest count a limit may have is exact: 2^53 - 1 permits, spent and counted to the last one.
        StoreBinding fixed = store.bind("f", Algorithm.FIXED_WINDOW, List.of(Limit.of(Limit.MAX_PERMITS,
                Duration.ofDays(1))));
        assertThat(fixed.tryAcquire("k", Limit.MAX_PERMITS - 1, NOW).remaining()).isEqualTo(1);
        assertThat(fixed.tryAcquire("k", 2, NOW).allowed()).isFalse();
        Decision last = fixed.tryAcquire("k", 1, NOW);
        assertThat(last.allowed()).isTrue();
        assertThat(last.remaining()).isZero();

        // Just inside the sliding-window bound, decisions equal the 64-bit reference step by step.
        List<Limit> justInside = List.of(Limit.of(2_000_000, Duration.ofHours(1)));
        StoreBinding sliding = store.bind("s", Algorithm.SLIDING_WINDOW, justInside);
        StateTransition reference = StateTransition.of(Algorithm.SLIDING_WINDOW);
        long[] state = null;
        long now = NOW;
        long[] steps = {1_999_999, 1, 1, 700_001, 3, 1_000_000, 999_999, 1};
        long[] gaps = {0, 1, 3_599_999_999L, 1_234_567_891L, 7, 1_800_000_000L, 1, 3_599_999_999L};
        for (int i = 0; i < steps.length; i++) {
            now += gaps[i];
            StateTransition.Result expected = reference.apply(state, justInside, steps[i], now);
            state = expected.state();
            assertThat(sliding.tryAcquire("k", steps[i], now)).as("step %d", i).isEqualTo(expected.decision());
        }

        assertThatThrownBy(() -> fixed.tryAcquire("k", 1, (1L << 52) + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nowMicros");
        assertThatThrownBy(() -> fixed.tryAcquire("k", 1, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nowMicros");
    }

    /** A replica answers writes with READONLY (as a demoted master does after a failover): a store error. */
    @Test
    void readonlyFromAReplicaIsAStoreErrorAndTheFailurePolicyDecides() {
        RedisProcess master = TestRedis.standalone();
        try (RedisProcess replica = RedisProcess.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
                JedisPooled client = new JedisPooled(new HostAndPort("127.0.0.1", replica.port()),
                        DefaultJedisClientConfig.builder().socketTimeoutMillis(2_000).build())) {
            try (Jedis j = new Jedis("127.0.0.1", replica.port(), 2_000)) {
                assertThat(j.info("replication")).contains("role:slave");
            }
            RedisStore store = RedisStore.builder(client).keyPrefix("replica:").build();
            StoreBinding binding = store.bind("ns", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("5/1s")));
            assertThatThrownBy(() -> binding.tryAcquire("k", 1, 0)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("READONLY");

            Decision open = RateLimiter.builder().limit(Limit.parse("5/1s")).store(store).build().tryAcquire("k");
            assertThat(open.allowed()).isTrue();
            assertThat(open.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
            Decision closed = RateLimiter.builder().limit(Limit.parse("5/1s")).store(store)
                    .failurePolicy(FailurePolicy.deny()).build().tryAcquire("k");
            assertThat(closed.allowed()).isFalse();
            assertThat(closed.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        }
    }

    /** A {@code JedisSentineled} client: the store decides on the master a real Sentinel names. */
    @Test
    void aStoreOnJedisSentineledDecidesOnTheMasterTheSentinelNames() {
        RedisProcess master = TestRedis.standalone();
        try (RedisProcess sentinel = RedisProcess.startSentinel("ratelimit-master", master.port());
                JedisSentineled client = new JedisSentineled("ratelimit-master",
                        DefaultJedisClientConfig.builder().socketTimeoutMillis(2_000).build(),
                        Set.of(new HostAndPort("127.0.0.1", sentinel.port())),
                        DefaultJedisClientConfig.builder().socketTimeoutMillis(2_000).build())) {
            assertThat(client.getCurrentMaster()).isEqualTo(new HostAndPort("127.0.0.1", master.port()));
            RedisStore store = RedisStore.builder(client).keyPrefix("sentinel:").build();
            StoreBinding binding = store.bind("ns", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("2/1h")));
            assertThat(binding.tryAcquire("k", 1, 0).allowed()).isTrue();
            assertThat(binding.tryAcquire("k", 1, 0).allowed()).isTrue();
            assertThat(binding.tryAcquire("k", 1, 0).allowed()).isFalse();
            assertThat(jedis().exists(((RedisBinding) binding).redisKey("k"))).as("state on the master").isTrue();
        }
    }

    private static RateLimiter limiter(RedisStore store, FakeClock clock, Algorithm algorithm, String limit) {
        return RateLimiter.builder().limit(Limit.parse(limit)).algorithm(algorithm).store(store).timeSource(clock)
                .failurePolicy(FailurePolicy.deny()).build();
    }

    private static long redisMicros() {
        try (Jedis direct = new Jedis("127.0.0.1", TestRedis.standalone().port(), 2_000)) {
            List<String> time = direct.time();
            return Long.parseLong(time.get(0)) * 1_000_000L + Long.parseLong(time.get(1));
        }
    }

    private static List<byte[]> scan(String prefix) {
        List<byte[]> keys = new ArrayList<>();
        ScanParams match = new ScanParams().match((prefix + "*").getBytes(StandardCharsets.UTF_8)).count(1_000);
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        do {
            ScanResult<byte[]> page = jedis().scan(cursor, match);
            keys.addAll(page.getResult());
            cursor = page.getCursorAsBytes();
        } while (!java.util.Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
        return keys;
    }

    private static String sha1(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
