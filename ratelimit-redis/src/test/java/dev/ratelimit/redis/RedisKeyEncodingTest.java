package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreBinding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * User keys and namespaces may hold any text: huge, binary-looking, any Unicode including unpaired surrogates,
 * braces and backslashes. Each maps to its own Redis key, inside the store's prefix and inside one hash tag that
 * user text cannot close early. Keys whose encoding is longer than {@link RedisKeys#MAX_RAW_KEY_BYTES} are stored
 * under their SHA-256, so the Redis key length is bounded.
 */
class RedisKeyEncodingTest {

    private static final String PREFIX = "enc:";

    /** Keys chosen to collide under a naive encoding (UTF-8 with replacement, concatenation, brace handling). */
    private static List<String> trickyKeys() {
        List<String> keys = new ArrayList<>(List.of(
                "a", "A", "a ", " a", "a\u0000", "\u0000", "\u0000\u0000",
                "}", "{", "{}", "}{", "\\", "\\\\", "\\]", "]", "\\}", "}}", "a}b", "a\\]b", "a\\}b",
                "=", "!", "#", "=a", "!a", "#a", ":", "1:a", "0:", "T1:a=b",
                "\uD800", "\uDC00", "\uDBFF", "\uDFFF", "\uDC00\uD800", "a\uD800", "\uD800a", "?", "\uFFFD",
                "\uD83D\uDE00", "\uD83D", "\uDE00", "\u00E9", "e\u0301", "\u4E2D\u6587", "\u0000\uD800",
                "\u00D8\u0000", "\uD800\u0000", "\u0000\u00D8"));
        // The UTF-16BE bytes of an unpaired surrogate read as UTF-8/Latin-1 text must not meet the surrogate.
        keys.add(new String("\uD800".getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1));
        keys.add(new String("a\uD800".getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1));
        // Around the hashing threshold: the raw form at the limit, and the hashed form just past it.
        keys.add("x".repeat(RedisKeys.MAX_RAW_KEY_BYTES - 1));
        keys.add("x".repeat(RedisKeys.MAX_RAW_KEY_BYTES));
        keys.add("x".repeat(RedisKeys.MAX_RAW_KEY_BYTES + 1));
        keys.add("\uD800".repeat(RedisKeys.MAX_RAW_KEY_BYTES / 2));
        keys.add("\uD800".repeat(RedisKeys.MAX_RAW_KEY_BYTES / 2 + 1));
        keys.add("}".repeat(RedisKeys.MAX_RAW_KEY_BYTES));
        keys.add("}".repeat(RedisKeys.MAX_RAW_KEY_BYTES + 1));
        keys.add("y".repeat(1 << 20));
        keys.add("y".repeat((1 << 20) + 1));
        return keys;
    }

    @Test
    void distinctKeysAndNamespacesGetDistinctRedisKeysThatStayInsideThePrefixAndOneHashTag() {
        List<String> keys = trickyKeys();
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            keys.add(randomString(random, random.nextInt(12)));
        }
        keys.removeIf(String::isEmpty);
        Set<String> distinctKeys = new HashSet<>(keys);
        List<String> namespaces = List.of("rl", "r", "l", "rl:", "a:b", "a", "{", "}", "\\", "\uD800", "\uDC00", "?", "\uFFFD", "rl}x");
        Map<ByteBuffer, String[]> seen = new HashMap<>();
        List<String> problems = new ArrayList<>();
        byte[] prefix = PREFIX.getBytes(StandardCharsets.UTF_8);
        for (Algorithm algorithm : Algorithm.values()) {
            for (String namespace : namespaces) {
                RedisKeys encoder = new RedisKeys(PREFIX, algorithm, namespace);
                int bound = prefix.length + 24 + 6 * namespace.length() + 2 * RedisKeys.MAX_RAW_KEY_BYTES;
                for (String key : distinctKeys) {
                    byte[] redisKey = encoder.key(key);
                    String[] identity = {algorithm.name(), namespace, key};
                    String[] before = seen.put(ByteBuffer.wrap(redisKey), identity);
                    if (before != null) {
                        problems.add("collision between " + describe(before) + " and " + describe(identity));
                    }
                    String misplaced = insidePrefixAndOneTag(redisKey, prefix);
                    if (misplaced != null) {
                        problems.add(misplaced + " in the Redis key of " + describe(identity));
                    }
                    if (redisKey.length > bound) {
                        problems.add(redisKey.length + " bytes in the Redis key of " + describe(identity));
                    }
                }
            }
        }
        assertThat(seen).hasSize(Algorithm.values().length * namespaces.size() * distinctKeys.size());
        assertThat(problems).isEmpty();
    }

    /**
     * Regression: unpaired surrogates were encoded with {@code getBytes(UTF_16BE)}, which replaces each by U+FFFD,
     * so U+D800 U+D800 and U+DC00 U+DC00 shared one Redis key and one allowance; namespaces went through UTF-8,
     * which writes an unpaired surrogate as "?".
     */
    @Test
    void unpairedSurrogatesAreEncodedAsTheyAreNotReplaced() {
        RedisKeys encoder = new RedisKeys(PREFIX, Algorithm.TOKEN_BUCKET, "rl");
        List<String> keys = List.of("\uD800\uD800", "\uDC00\uDC00", "\uDBFF", "\uDFFF", "\uFFFD", "\uFFFD\uFFFD");
        Set<ByteBuffer> encoded = new HashSet<>();
        for (String key : keys) {
            encoded.add(ByteBuffer.wrap(encoder.key(key)));
        }
        assertThat(encoded).hasSameSizeAs(keys);
        // Namespaces too: UTF-8 turned an unpaired surrogate into "?".
        assertThat(new RedisKeys(PREFIX, Algorithm.TOKEN_BUCKET, "\uD800").key("k"))
                .isNotEqualTo(new RedisKeys(PREFIX, Algorithm.TOKEN_BUCKET, "?").key("k"));
    }

    @Test
    void aHugeKeyIsStoredUnderItsHashAndStillDecidesOnItsOwn() {
        StoreBinding binding = standaloneBinding("huge");
        String huge = "k".repeat(1 << 21);
        String hugeToo = "k".repeat((1 << 21) - 1) + "j";
        RedisBinding redis = (RedisBinding) binding;
        assertThat(redis.redisKey(huge).length).isLessThan(100);
        long now = 1_767_225_600_000_000L;
        assertThat(binding.tryAcquire(huge, 2, now).allowed()).isTrue();
        assertThat(binding.tryAcquire(huge, 1, now).allowed()).isFalse();
        assertThat(binding.tryAcquire(hugeToo, 2, now).allowed()).isTrue();
        assertThat(TestRedis.standaloneClient().exists(redis.redisKey(huge))).isTrue();
    }

    @Test
    void everyTrickyKeyHasItsOwnStateInRedisAndNoRedisKeyLeavesThePrefix() {
        StoreBinding binding = standaloneBinding("tricky");
        long now = 1_767_225_600_000_000L;
        List<String> keys = trickyKeys();
        for (String key : keys) {
            Decision first = binding.tryAcquire(key, 2, now);
            assertThat(first.allowed()).as("first request of %s", escapeForMessage(key)).isTrue();
            assertThat(first.remaining()).as("a fresh state for %s", escapeForMessage(key)).isZero();
        }
        Set<ByteBuffer> stored = new HashSet<>();
        ScanParams match = new ScanParams().match("*".getBytes(StandardCharsets.UTF_8)).count(1_000);
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        do {
            ScanResult<byte[]> page = TestRedis.standaloneClient().scan(cursor, match);
            for (byte[] k : page.getResult()) {
                if (startsWith(k, "enc:{F6:tricky".getBytes(StandardCharsets.UTF_8))) {
                    stored.add(ByteBuffer.wrap(k));
                }
            }
            cursor = page.getCursorAsBytes();
        } while (!java.util.Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
        Set<ByteBuffer> expected = new HashSet<>();
        for (String key : keys) {
            expected.add(ByteBuffer.wrap(((RedisBinding) binding).redisKey(key)));
        }
        assertThat(expected).hasSize(new HashSet<>(keys).size());
        assertThat(stored).isEqualTo(expected);
    }

    private static StoreBinding standaloneBinding(String namespace) {
        RedisStore store = RedisStore.builder(TestRedis.standaloneClient()).keyPrefix(PREFIX).callerTime()
                .expiryMargin(java.time.Duration.ofHours(1)).build();
        return store.bind(namespace, Algorithm.FIXED_WINDOW, List.of(Limit.parse("2/1h")));
    }

    /**
     * Null if the key starts with the prefix and "{", ends with "}", that final byte is the only "}" after the
     * "{", and the slot is therefore that of the whole identity; otherwise what is wrong.
     */
    private static String insidePrefixAndOneTag(byte[] redisKey, byte[] prefix) {
        if (!startsWith(redisKey, prefix)) {
            return "no prefix";
        }
        if (redisKey[prefix.length] != '{' || redisKey[redisKey.length - 1] != '}') {
            return "no hash tag around the identity";
        }
        for (int i = prefix.length + 1; i < redisKey.length - 1; i++) {
            if (redisKey[i] == '}') {
                return "an early '}' at " + i;
            }
        }
        byte[] tag = java.util.Arrays.copyOfRange(redisKey, prefix.length + 1, redisKey.length - 1);
        if (JedisClusterCRC16.getSlot(redisKey) != (JedisClusterCRC16.getCRC16(tag) & (RedisCluster.SLOTS - 1))) {
            return "a slot not that of the whole identity";
        }
        return null;
    }

    private static String describe(String[] identity) {
        return identity[0] + "|" + escapeForMessage(identity[1]) + "|" + escapeForMessage(identity[2]);
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String randomString(Random random, int length) {
        String alphabet = "ab}{\\]=!#:0\u0000\uD800\uDC00\uD83D\uDE00\u00E9";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String escapeForMessage(String s) {
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(s.length(), 40);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > shown) {
            sb.append("...(").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }
}
