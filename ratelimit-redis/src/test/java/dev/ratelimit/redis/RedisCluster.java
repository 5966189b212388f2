package dev.ratelimit.redis;

import static org.awaitility.Awaitility.await;

import dev.ratelimit.testservers.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * A real three-master Redis Cluster on 127.0.0.1 (no replicas), built without redis-cli: each node gets a third
 * of the 16384 slots with {@code CLUSTER ADDSLOTS}, then the nodes {@code CLUSTER MEET}.
 */
final class RedisCluster implements AutoCloseable {

    static final int SLOTS = 16_384;

    private final List<RedisProcess> nodes = new ArrayList<>();

    RedisCluster() {
        try {
            for (int i = 0; i < 3; i++) {
                int port = RedisProcess.freePort(true);
                nodes.add(RedisProcess.start(port, "--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes-" + port + ".conf", "--cluster-node-timeout", "5000"));
            }
            for (int i = 0; i < 3; i++) {
                try (Jedis node = node(i)) {
                    node.clusterAddSlots(IntStream.range(firstSlot(i), firstSlot(i + 1)).toArray());
                }
            }
            try (Jedis first = node(0)) {
                for (int i = 1; i < 3; i++) {
                    first.clusterMeet("127.0.0.1", nodes.get(i).port());
                }
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(this::ready);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The first slot of master {@code i}; master i owns [firstSlot(i), firstSlot(i + 1)). */
    static int firstSlot(int i) {
        return i * SLOTS / 3;
    }

    static int masterOf(int slot) {
        for (int i = 2; i >= 0; i--) {
            if (slot >= firstSlot(i)) {
                return i;
            }
        }
        throw new IllegalArgumentException("slot " + slot);
    }

    Jedis node(int i) {
        return new Jedis("127.0.0.1", nodes.get(i).port(), 2_000);
    }

    RedisProcess process(int i) {
        return nodes.get(i);
    }

    JedisCluster client() {
        Set<HostAndPort> seeds = new HashSet<>();
        for (RedisProcess p : nodes) {
            seeds.add(new HostAndPort("127.0.0.1", p.port()));
        }
        return new JedisCluster(seeds, DefaultJedisClientConfig.builder()
                .socketTimeoutMillis(2_000).connectionTimeoutMillis(2_000).build());
    }

    private boolean ready() {
        for (int i = 0; i < 3; i++) {
            try (Jedis node = node(i)) {
                String info = node.clusterInfo();
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:3")) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() {
        for (RedisProcess p : nodes) {
            p.close();
        }
    }
}
