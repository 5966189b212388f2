package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * One algorithm's decision script: {@code head.lua + <algorithm>.single.lua + common.lua + <algorithm>.lua +
 * tail.lua} from this package's resources (the single-limit fast path is optional: an algorithm without one goes
 * straight to the general path), run by SHA-1 with {@code EVALSHA}. When the server does not know the script
 * (first use, restart, failover, {@code SCRIPT FLUSH}) it is loaded (on every master, in a cluster) and the call
 * retried once.
 *
 * <p>Immutable and thread-safe.
 */
final class DecisionScript {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionScript.class);
    private static final Map<Algorithm, DecisionScript> SCRIPTS = new EnumMap<>(Algorithm.class);

    static {
        String head = resource("head.lua");
        String common = resource("common.lua");
        String tail = resource("tail.lua");
        for (Algorithm algorithm : Algorithm.values()) {
            String name = algorithm.name().toLowerCase(java.util.Locale.ROOT);
            String single = optionalResource(name + ".single.lua");
            String body = resource(name + ".lua");
            SCRIPTS.put(algorithm, new DecisionScript(algorithm,
                    head + "\n" + single + "\n" + common + "\n" + body + "\n" + tail));
        }
    }

    private final Algorithm algorithm;
    private final String text;
    private final byte[] sha;

    private DecisionScript(Algorithm algorithm, String text) {
        this.algorithm = algorithm;
        this.text = text;
        this.sha = sha1Hex(text).getBytes(StandardCharsets.US_ASCII);
    }

    static DecisionScript of(Algorithm algorithm) {
        return SCRIPTS.get(algorithm);
    }

    String text() {
        return text;
    }

    /** Runs the script on {@code key}; Jedis exceptions other than a first NOSCRIPT propagate. */
    Object run(UnifiedJedis jedis, byte[] key, List<byte[]> args) {
        List<byte[]> keys = List.of(key);
        try {
            return jedis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            LOG.debug("Loading the {} script ({}), which the server did not know", algorithm, e.getMessage());
            jedis.scriptLoad(text);
            return jedis.evalsha(sha, keys, args);
        }
    }

    private static String resource(String name) {
        String text = optionalResource(name);
        if (text.isEmpty()) {
            throw new IllegalStateException("missing resource dev/ratelimit/redis/" + name);
        }
        return text;
    }

    private static String optionalResource(String name) {
        try (InputStream in = DecisionScript.class.getResourceAsStream(name)) {
            if (in == null) {
                return "";
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1Hex(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }
}
