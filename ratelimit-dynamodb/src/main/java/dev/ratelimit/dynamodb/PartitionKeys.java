package dev.ratelimit.dynamodb;

import dev.ratelimit.Algorithm;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Turns (store prefix, namespace, algorithm, user key) into one partition key value, injectively.
 *
 * <pre>
 *   pk = storePrefix + len(namespace) + ":" + namespace + ":" + algorithm code + ":" + body
 *   body = "k:" + key                                  if the whole pk fits in 2048 UTF-8 bytes
 *                                                      and the key is well-formed UTF-16
 *        | "h:" + base64url(SHA-256(code units of key))  otherwise (43 characters); each UTF-16 code unit
 *                                                      as two big-endian bytes, unpaired surrogates included
 * </pre>
 *
 * <p>Why it cannot collide: the namespace is length-prefixed, so no namespace can swallow the algorithm code or
 * the key; the {@code k:}/{@code h:} tag separates raw keys from hashed ones, so a raw key that happens to look
 * like a hash never meets a hashed key; and the hash input is the key's UTF-16 code units, which is injective even
 * for strings with unpaired surrogates (which UTF-8 cannot represent and DynamoDB would otherwise mangle). Two
 * hashed keys collide only if SHA-256 does.
 *
 * <p>Thread-safe and immutable.
 */
final class PartitionKeys {

    /** DynamoDB's limit on a partition key value, in UTF-8 bytes. */
    static final int MAX_KEY_BYTES = 2048;
    /** Leave room for the key: the fixed part may use at most half the limit. */
    static final int MAX_PREFIX_BYTES = 1024;

    private final String prefix;
    private final int prefixBytes;

    PartitionKeys(String storePrefix, String namespace, Algorithm algorithm) {
        if (!wellFormed(namespace)) {
            throw new IllegalArgumentException("namespace must be well-formed UTF-16 but was " + quote(namespace));
        }
        this.prefix = storePrefix + namespace.length() + ":" + namespace + ":" + code(algorithm) + ":";
        this.prefixBytes = utf8Length(prefix);
        if (prefixBytes > MAX_PREFIX_BYTES) {
            throw new IllegalArgumentException("key prefix plus namespace must be at most " + MAX_PREFIX_BYTES
                    + " UTF-8 bytes but namespace " + quote(namespace) + " makes " + prefixBytes);
        }
    }

    /** The partition key value for {@code key}. */
    String of(String key) {
        if (prefixBytes + 2 + utf8Length(key) <= MAX_KEY_BYTES && wellFormed(key)) {
            return prefix + "k:" + key;
        }
        return prefix + "h:" + hash(key);
    }

    static char code(Algorithm algorithm) {
        return switch (algorithm) {
            case FIXED_WINDOW -> 'F';
            case SLIDING_WINDOW -> 'W';
            case SLIDING_LOG -> 'L';
            case TOKEN_BUCKET -> 'T';
        };
    }

    static String hash(String key) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        // The code units themselves, two bytes each: String.getBytes(UTF_16BE) would replace an unpaired
        // surrogate with '?', making "a\uD800b" and "a\uDBFFb" one key.
        ByteBuffer units = ByteBuffer.allocate(2 * key.length());
        units.asCharBuffer().put(key);
        byte[] digest = sha.digest(units.array());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /** UTF-8 length, counting an unpaired surrogate as 3 bytes (such keys are hashed anyway). */
    static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Whether every surrogate is paired, so the string survives UTF-8 (DynamoDB's encoding) unchanged. */
    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String quote(String s) {
        return s.length() > 40 ? "'" + s.substring(0, 40) + "...' (" + s.length() + " chars)" : "'" + s + "'";
    }
}
