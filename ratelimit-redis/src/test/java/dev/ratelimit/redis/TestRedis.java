package dev.ratelimit.redis;

import dev.ratelimit.testservers.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;

/**
 * The standalone server and the cluster that most test classes share, started on first use and stopped when the
 * test JVM exits (each test uses its own key prefix).
 */
final class TestRedis {

    private static RedisProcess standalone;
    private static JedisPooled standaloneClient;
    private static RedisCluster cluster;
    private static JedisCluster clusterClient;
    private static LettuceRedisStore lettuceStandalone;
    private static LettuceRedisStore lettuceCluster;

    private TestRedis() {
    }

    static synchronized RedisProcess standalone() {
        if (standalone == null) {
            standalone = RedisProcess.start();
        }
        return standalone;
    }

    static synchronized JedisPooled standaloneClient() {
        if (standaloneClient == null) {
            standaloneClient = new JedisPooled(new HostAndPort("127.0.0.1", standalone().port()),
                    DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000).connectionTimeoutMillis(2_000)
                            .build());
        }
        return standaloneClient;
    }

    static synchronized RedisCluster cluster() {
        if (cluster == null) {
            cluster = new RedisCluster();
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        }
        return cluster;
    }

    static synchronized JedisCluster clusterClient() {
        if (clusterClient == null) {
            clusterClient = cluster().client();
        }
        return clusterClient;
    }

    /** A Lettuce store on the standalone server, for the contract suite (caller time, long expiry margin). */
    static synchronized LettuceRedisStore lettuceStandalone() {
        if (lettuceStandalone == null) {
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                    .withPort(standalone().port()).withTimeout(Duration.ofSeconds(5)).build());
            Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown));
            lettuceStandalone = LettuceStoreContractTest.options(
                    LettuceRedisStore.builder(client.connect(ByteArrayCodec.INSTANCE)), "lettuce:").build();
        }
        return lettuceStandalone;
    }

    /** A Lettuce store on the cluster, for the contract suite. */
    static synchronized LettuceRedisStore lettuceCluster() {
        if (lettuceCluster == null) {
            List<RedisURI> seeds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                seeds.add(RedisURI.builder().withHost("127.0.0.1").withPort(cluster().process(i).port())
                        .withTimeout(Duration.ofSeconds(5)).build());
            }
            RedisClusterClient client = RedisClusterClient.create(seeds);
            Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown));
            lettuceCluster = LettuceStoreContractTest.options(
                    LettuceRedisStore.builder(client.connect(ByteArrayCodec.INSTANCE)), "lettuce-cluster:").build();
        }
        return lettuceCluster;
    }
}
