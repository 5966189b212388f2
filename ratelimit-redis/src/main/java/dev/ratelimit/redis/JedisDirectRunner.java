package dev.ratelimit.redis;

import dev.ratelimit.spi.StoreException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Runs each call on the caller's thread with one Jedis command: no threads, no queue, no hand-off. How long a call
 * may take is then the client's business (its socket and connect timeouts, and its pool's {@code maxWait}).
 * Thread-safe.
 */
final class JedisDirectRunner implements ScriptRunner {

    private static final Logger LOG = LoggerFactory.getLogger(JedisDirectRunner.class);

    private final UnifiedJedis jedis;

    JedisDirectRunner(UnifiedJedis jedis) {
        this.jedis = jedis;
    }

    @Override
    public Object call(ScriptCall call) {
        try {
            return run(jedis, call);
        } catch (JedisException e) {
            throw new StoreException("Redis store: " + call.describe() + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // e.g. a ClassCastException inside Jedis when a wrong server's reply does not fit the command
            throw new StoreException("Redis store: " + call.describe() + " failed on an unexpected reply: " + e, e);
        }
    }

    @Override
    public CompletableFuture<Object> submit(ScriptCall call) {
        try {
            return CompletableFuture.completedFuture(call(call));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        // nothing of its own
    }

    /** One call as one command; a first NOSCRIPT loads the script (on every master) and retries once. */
    static Object run(UnifiedJedis jedis, ScriptCall call) {
        if (call.op == ScriptCall.DELETE) {
            return jedis.del(call.redisKey);
        }
        return evalsha(jedis, call.script(), List.of(call.redisKey), call.args());
    }

    static Object evalsha(UnifiedJedis jedis, DecisionScript script, List<byte[]> keys, List<byte[]> args) {
        try {
            return jedis.evalsha(script.sha(), keys, args);
        } catch (JedisNoScriptException e) {
            loadScript(jedis, script, e);
            return jedis.evalsha(script.sha(), keys, args);
        }
    }

    static void loadScript(UnifiedJedis jedis, DecisionScript script, Exception why) {
        LOG.debug("Loading the {} script, which the server did not know ({})", script.algorithm(), why.getMessage());
        jedis.scriptLoad(script.text());
    }
}
