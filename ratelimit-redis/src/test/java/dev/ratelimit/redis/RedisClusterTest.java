package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StoreBinding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * On a real three-master cluster: decisions (with two limits) for keys on each master, each key's state on the
 * master that owns its slot, and scripts flushed on every master reloaded on the next decision.
 */
class RedisClusterTest {

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void keysOnEveryMasterDecideAndSurviveAScriptFlushOnEveryMaster(Algorithm algorithm) throws Exception {
        decideOnEveryMasterAcrossAScriptFlush(algorithm,
                RedisStore.builder(TestRedis.clusterClient()).keyPrefix("cluster:").build());
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void onLettuceKeysOnEveryMasterDecideAndSurviveAScriptFlushOnEveryMaster(Algorithm algorithm) throws Exception {
        decideOnEveryMasterAcrossAScriptFlush(algorithm, TestRedis.lettuceCluster());
    }

    private static void decideOnEveryMasterAcrossAScriptFlush(Algorithm algorithm, RateLimitStore store)
            throws Exception {
        RedisCluster cluster = TestRedis.cluster();
        RedisBinding binding = (RedisBinding) store.bind("ns", algorithm,
                List.of(Limit.parse("3/1h"), Limit.parse("10/1d")));
        String[] keyOnMaster = new String[3];
        for (int i = 0; keyOnMaster[0] == null || keyOnMaster[1] == null || keyOnMaster[2] == null; i++) {
            String key = "user-" + i;
            int master = RedisCluster.masterOf(JedisClusterCRC16.getSlot(binding.redisKey(key)));
            if (keyOnMaster[master] == null) {
                keyOnMaster[master] = key;
            }
        }

        for (int m = 0; m < 3; m++) {
            assertThat(binding.tryAcquire(keyOnMaster[m], 2, 0).remaining()).isEqualTo(1);
            try (Jedis node = cluster.node(m)) {
                assertThat(node.exists(binding.redisKey(keyOnMaster[m]))).as("state on master %d", m).isTrue();
            }
        }

        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                .digest(DecisionScript.of(algorithm).text().getBytes(StandardCharsets.UTF_8)));
        for (int m = 0; m < 3; m++) {
            try (Jedis node = cluster.node(m)) {
                node.scriptFlush();
                assertThat(node.scriptExists(sha)).isFalse();
            }
        }
        for (int m = 0; m < 3; m++) {
            Decision last = binding.tryAcquire(keyOnMaster[m], 1, 0);
            assertThat(last.allowed()).as("master %d after the flush", m).isTrue();
            assertThat(last.remaining()).isZero();
            Decision denied = binding.tryAcquire(keyOnMaster[m], 1, 0);
            assertThat(denied.allowed()).isFalse();
            assertThat(denied.limit()).isEqualTo(Limit.parse("3/1h"));
        }
        for (int m = 0; m < 3; m++) {
            try (Jedis node = cluster.node(m)) {
                assertThat(node.scriptExists(sha)).as("script reloaded on master %d", m).isTrue();
            }
        }
    }
}
