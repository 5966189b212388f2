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
 * straight to the general path), run by SHA-1 with {@code EVALSHA}. The text and digest are client-neutral; each
 * client's runner loads the script when the server does not know it ({@code NOSCRIPT}) and retries once.
 *
 * <p>Immutable and thread-safe.
 */
final class DecisionScript {

    private static final Map<Algorithm, DecisionScript> SCRIPTS = new EnumMap<>(Algorithm.class);

    static {
        String head = resource("head.lua");
        String common = resource("common.lua");
        String tail = resource("tail.lua");
        for (Algorithm algorithm : Algorithm.values()) {
            String name = algorithm.name().toLowerCase(Locale.ROOT);
            String single = optionalResource(name + ".single.lua");
            String body = resource(name + ".lua");
            SCRIPTS.put(algorithm, new DecisionScript(algorithm,
                    head + "\n" + single + "\n" + common + "\n" + body + "\n" + tail));
        }
    }

    private final Algorithm algorithm;
    private final String text;
    private final byte[] textBytes;
    private final String shaHex;
    private final byte[] sha;

    private DecisionScript(Algorithm algorithm, String text) {
        this.algorithm = algorithm;
        this.text = text;
        this.textBytes = text.getBytes(StandardCharsets.UTF_8);
        this.shaHex = sha1Hex(text);
        this.sha = shaHex.getBytes(StandardCharsets.US_ASCII);
    }

    static DecisionScript of(Algorithm algorithm) {
        return SCRIPTS.get(algorithm);
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
