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
import java.util.Locale;
import java.util.Map;

/**
 * One algorithm's decision script: {@code head.lua + <algorithm>.single.lua + common.lua + <algorithm>.lua +
 * tail.lua} from this package's resources (the single-limit fast path is optional: an algorithm without one goes
 * straight to the general path), run by SHA-1 with {@code EVALSHA}. Its {@linkplain #multiKey() multi-key form}
 * wraps that text as a function and runs it once per key ({@code batch.lua}), so that one evaluation decides the
 * calls of a batch on different keys. The texts and digests are client-neutral; each client's runner loads a
 * script when the server does not know it ({@code NOSCRIPT}) and retries once.
 *
 * <p>Immutable and thread-safe.
 */
final class DecisionScript {

    private static final Map<Algorithm, DecisionScript> SCRIPTS = new EnumMap<>(Algorithm.class);

    static {
        String head = resource("head.lua");
        String common = resource("common.lua");
        String tail = resource("tail.lua");
        String batch = resource("batch.lua");
        for (Algorithm algorithm : Algorithm.values()) {
            String name = algorithm.name().toLowerCase(Locale.ROOT);
            String single = optionalResource(name + ".single.lua");
            String body = resource(name + ".lua");
            String oneKey = head + "\n" + single + "\n" + common + "\n" + body + "\n" + tail;
            DecisionScript multiKey = new DecisionScript(algorithm,
                    "local function one(KEYS, ARGV)\n" + oneKey + "\nend\n" + batch, null);
            SCRIPTS.put(algorithm, new DecisionScript(algorithm, oneKey, multiKey));
        }
    }

    private final Algorithm algorithm;
    private final String text;
    private final byte[] textBytes;
    private final String shaHex;
    private final byte[] sha;
    private final DecisionScript multiKey;

    private DecisionScript(Algorithm algorithm, String text, DecisionScript multiKey) {
        this.algorithm = algorithm;
        this.multiKey = multiKey;
        this.text = text;
        this.textBytes = text.getBytes(StandardCharsets.UTF_8);
        this.shaHex = sha1Hex(text);
        this.sha = shaHex.getBytes(StandardCharsets.US_ASCII);
    }

    static DecisionScript of(Algorithm algorithm) {
        return SCRIPTS.get(algorithm);
    }

    /**
     * The multi-key form of this script: {@code KEYS} are several calls' keys and {@code ARGV} holds, per key, the
     * first three arguments of this script (op, amount, time), then a count and that many more (margin and limits;
     * 0 for the previous key's); the reply is a list with one element per key,
     * that call's reply or its error message (see {@code batch.lua}). {@code null} for the multi-key form itself.
     */
    DecisionScript multiKey() {
        return multiKey;
    }

    Algorithm algorithm() {
        return algorithm;
    }

    String text() {
        return text;
    }

    byte[] textBytes() {
        return textBytes;
    }

    /** The SHA-1 as lowercase hex (what {@code EVALSHA} takes). */
    String shaHex() {
        return shaHex;
    }

    byte[] sha() {
        return sha;
    }

    /**
     * Whether concurrent acquires on one key may be decided in one call ({@code 'B'} in {@code tail.lua}): true for
     * the algorithms whose Lua {@code spend} returns a fresh state. The sliding log's state is a view of the stored
     * string that only a state as loaded may be spent from, so its calls are pipelined one by one instead.
     */
    boolean combinable() {
        return algorithm != Algorithm.SLIDING_LOG;
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
