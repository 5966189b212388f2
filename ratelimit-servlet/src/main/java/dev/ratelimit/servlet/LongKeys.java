package dev.ratelimit.servlet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Bounds the length of the keys the filter stores. A key comes from the request (a header value, a path), so a
 * client chooses its length: up to the container's header limit, several kilobytes. A key longer than
 * {@link #MAX_LENGTH} characters is replaced by {@code sha256:} and the unpadded base64url SHA-256 of its UTF-8
 * bytes (50 characters). Distinct keys stay distinct (finding two values with one digest is infeasible), and one
 * key always gives one digest, so limits hold exactly; what a key costs the store is bounded. Stateless.
 */
final class LongKeys {

    /** Keys up to this many characters are stored as they are. */
    static final int MAX_LENGTH = 128;

    private LongKeys() {
    }

    /** The key to store for {@code key}: itself if at most {@link #MAX_LENGTH} characters, else its digest. */
    static String bound(String key) {
        if (key.length() <= MAX_LENGTH) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
