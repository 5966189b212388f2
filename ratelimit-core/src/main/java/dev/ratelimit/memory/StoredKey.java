package dev.ratelimit.memory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The form in which the in-memory store holds a key. A key of at most {@link #MAX_VERBATIM_CHARS} characters is
 * held as the caller's {@code String} itself (the common path pays nothing). A longer key is held as its SHA-256
 * digest, a {@code StoredKey} of 32 bytes, so a key's length costs nothing beyond a bound however long it is.
 *
 * <p>The digest input is the key's UTF-8 bytes, for every key that survives a round trip through UTF-8 (all
 * keys but those holding a lone surrogate). {@code String.getBytes(UTF_8)} turns a lone surrogate into
 * {@code '?'}, which would let two distinct keys share an input, so such a key is fed as CESU-8 instead (each
 * UTF-16 code unit encoded on its own, 1 to 3 bytes), whose surrogate bytes no UTF-8 encoding contains. Either way
 * distinct keys are distinct inputs, and two distinct long keys share state only if an attacker finds a
 * SHA-256 collision. A digest is never equal to a verbatim key: they are different types, so a short key can
 * never be mistaken for the digest of a long one. Digests are spread by SHA-256, so attacker-chosen long keys
 * cannot collide in the hash table either; short keys rely on {@link java.util.concurrent.ConcurrentHashMap}'s
 * tree bins, which keep colliding {@code String} hashes at logarithmic cost.
 *
 * <p>Immutable and thread-safe.
 */
final class StoredKey {

    /** Keys up to this many characters are held verbatim; longer ones as a digest. */
    static final int MAX_VERBATIM_CHARS = 64;

    /** Estimated heap bytes of one digest: an object header and four {@code long}s. */
    static final int DIGEST_BYTES = 48;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(StoredKey::newDigest);
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[4096]);

    private final long a;
    private final long b;
    private final long c;
    private final long d;

    private StoredKey(byte[] digest) {
        this.a = word(digest, 0);
        this.b = word(digest, 8);
        this.c = word(digest, 16);
        this.d = word(digest, 24);
    }

    /** The key as the store holds it: {@code key} itself if short enough, otherwise its digest. */
    static Object of(String key) {
        return key.length() <= MAX_VERBATIM_CHARS ? key : digest(key);
    }

    /** Estimated heap bytes the store keeps for a key held as {@code stored}, the key's own object included. */
    static long bytes(Object stored) {
        if (stored instanceof String s) {
            // String object (24) + byte[] header (16) + up to two bytes a character, rounded up to 8.
            return 40 + ((2L * s.length() + 7) & ~7L);
        }
        return DIGEST_BYTES;
    }

    private static StoredKey digest(String key) {
        MessageDigest sha = SHA256.get();
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        if (new String(utf8, StandardCharsets.UTF_8).equals(key)) {
            sha.update(utf8);
        } else {
            updateCesu8(sha, key);
        }
        return new StoredKey(sha.digest());
    }

    /** Feeds each UTF-16 code unit on its own, 1 to 3 bytes, so a lone surrogate is kept, not replaced. */
    private static void updateCesu8(MessageDigest sha, String key) {
        byte[] buffer = BUFFER.get();
        int n = 0;
        for (int i = 0, length = key.length(); i < length; i++) {
            if (n > buffer.length - 3) {
                sha.update(buffer, 0, n);
                n = 0;
            }
            char ch = key.charAt(i);
            if (ch < 0x80) {
                buffer[n++] = (byte) ch;
            } else if (ch < 0x800) {
                buffer[n++] = (byte) (0xC0 | ch >> 6);
                buffer[n++] = (byte) (0x80 | ch & 0x3F);
            } else {
                buffer[n++] = (byte) (0xE0 | ch >> 12);
                buffer[n++] = (byte) (0x80 | ch >> 6 & 0x3F);
                buffer[n++] = (byte) (0x80 | ch & 0x3F);
            }
        }
        sha.update(buffer, 0, n);
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    private static long word(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredKey k && a == k.a && b == k.b && c == k.c && d == k.d;
    }

    @Override
    public int hashCode() {
        return (int) a;
    }

    @Override
    public String toString() {
        return String.format("sha256:%016x%016x%016x%016x", a, b, c, d);
    }
}
