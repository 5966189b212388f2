package dev.ratelimit.redis;

import dev.ratelimit.testservers.RedisProcess;
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
}
