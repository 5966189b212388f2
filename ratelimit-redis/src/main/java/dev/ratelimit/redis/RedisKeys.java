package dev.ratelimit.redis;

import dev.ratelimit.Algorithm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Encodes (store prefix, algorithm, namespace, user key) as one binary Redis key, injectively:
 *
 * <pre>
 *   prefix "{" escape( algorithm-code  namespace-length ":" namespace  kind  key-bytes ) "}"
 *   e.g.  rl:{T3:api=user-42}
 * </pre>
 *
 * <ul>
 *   <li>The namespace is length-prefixed (UTF-8 bytes), so ("a", "b:c") and ("a:b", "c") differ. A namespace
 *       with an unpaired surrogate is written as {@code !} and its UTF-16BE code units instead.</li>
 *   <li>The kind byte says how the user key is written: {@code =} its UTF-8 bytes; {@code !} its UTF-16BE code
 *       units, for a string with an unpaired surrogate (which UTF-8 cannot represent); {@code #} the SHA-256 of
 *       the kind byte and those bytes, when they are longer than {@link #MAX_RAW_KEY_BYTES}.</li>
 *   <li>Everything after the prefix sits inside one hash tag, so Redis Cluster places keys by the whole identity
 *       and user text cannot choose the slot: {@code \} is written {@code \\} and <code>}</code> is written
 *       {@code \]}, so the tag closes only at the final byte.</li>
 * </ul>
 * The prefix itself contains no brace (checked by the builder), so every key starts with it.
 *
 * <p>Immutable and thread-safe.
 */
final class RedisKeys {

    /** User keys whose encoding is longer than this many bytes are replaced by their SHA-256. */
    static final int MAX_RAW_KEY_BYTES = 1024;

    private final byte[] head;

    RedisKeys(String prefix, Algorithm algorithm, String namespace) {
        ByteArrayOutputStream identity = new ByteArrayOutputStream();
        identity.write(code(algorithm));
        byte[] ns;
        if (hasUnpairedSurrogate(namespace)) {
            identity.write('!');
            ns = utf16CodeUnits(namespace);
        } else {
            ns = namespace.getBytes(StandardCharsets.UTF_8);
        }
        identity.writeBytes(Integer.toString(ns.length).getBytes(StandardCharsets.US_ASCII));
        identity.write(':');
        identity.writeBytes(ns);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix.getBytes(StandardCharsets.UTF_8));
        out.write('{');
        escape(identity.toByteArray(), out);
        this.head = out.toByteArray();
    }

    static byte code(Algorithm algorithm) {
        return switch (algorithm) {
            case FIXED_WINDOW -> 'F';
            case SLIDING_WINDOW -> 'W';
            case SLIDING_LOG -> 'L';
            case TOKEN_BUCKET -> 'T';
        };
    }

    /** The Redis key of user key {@code key}. */
    byte[] key(String key) {
        byte kind;
        byte[] bytes;
        if (hasUnpairedSurrogate(key)) {
            kind = '!';
            bytes = utf16CodeUnits(key);
        } else {
            kind = '=';
            bytes = key.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length > MAX_RAW_KEY_BYTES) {
            bytes = sha256(kind, bytes);
            kind = '#';
        }
        int specials = 0;
        for (byte b : bytes) {
            if (b == '\\' || b == '}') {
                specials++;
            }
        }
        byte[] out = new byte[head.length + 2 + bytes.length + specials];
        System.arraycopy(head, 0, out, 0, head.length);
        int at = head.length;
        out[at++] = kind;
        if (specials == 0) {
            System.arraycopy(bytes, 0, out, at, bytes.length);
            at += bytes.length;
        } else {
            for (byte b : bytes) {
                if (b == '\\') {
                    out[at++] = '\\';
                    out[at++] = '\\';
                } else if (b == '}') {
                    out[at++] = '\\';
                    out[at++] = ']';
                } else {
                    out[at++] = b;
                }
            }
        }
        out[at] = '}';
        return out;
    }

    private static void escape(byte[] bytes, ByteArrayOutputStream out) {
        for (byte b : bytes) {
            if (b == '\\') {
                out.write('\\');
                out.write('\\');
            } else if (b == '}') {
                out.write('\\');
                out.write(']');
            } else {
                out.write(b);
            }
        }
    }

    /** Whether {@code s} has no unpaired surrogate, so that UTF-8 represents it exactly (the key prefix rule). */
    static boolean wellFormed(String s) {
        return !hasUnpairedSurrogate(s);
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The string's UTF-16 code units, big-endian, as they are: {@code getBytes(UTF_16BE)} would replace every
     * unpaired surrogate by U+FFFD and so map different keys to one.
     */
    private static byte[] utf16CodeUnits(String s) {
        byte[] out = new byte[2 * s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out[2 * i] = (byte) (c >>> 8);
            out[2 * i + 1] = (byte) c;
        }
        return out;
    }

    private static byte[] sha256(byte kind, byte[] bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(kind);
            return digest.digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
