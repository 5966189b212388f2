package dev.ratelimit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The partition-key scheme, without DynamoDB. */
class PartitionKeysTest {

    private final PartitionKeys keys = new PartitionKeys("app/", "uploads", Algorithm.FIXED_WINDOW);

    @Test
    void shortKeysAreStoredAsTheyAre() {
        assertThat(keys.of("user-1")).isEqualTo("app/7:uploads:F:k:user-1");
    }

    @Test
    void regressionUnpairedSurrogatesNoLongerHashToTheSameKey() {
        // String.getBytes(UTF_16BE) replaced every unpaired surrogate with '?', so these three shared one item.
        assertThat(keys.of("a\uD800b")).isNotEqualTo(keys.of("a\uDBFFb")).isNotEqualTo(keys.of("a?b"));
        assertThat(keys.of("a\uD800b")).contains(":h:");
        assertThat(keys.of("a?b")).endsWith(":k:a?b");
    }

    @Test
    void aKeyIsHashedExactlyWhenThePartitionKeyWouldPass2048Bytes() {
        int room = 2048 - keys.of("").getBytes(StandardCharsets.UTF_8).length;
        assertThat(keys.of("é".repeat(room / 2))).contains(":k:");
        assertThat(keys.of("é".repeat(room / 2) + "é")).contains(":h:");
        String hashed = keys.of("x".repeat(100_000));
        assertThat(hashed).isEqualTo("app/7:uploads:F:h:" + PartitionKeys.hash("x".repeat(100_000)));
        assertThat(PartitionKeys.hash("x")).hasSize(43).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void namespacesCannotSwallowTheKey() {
        PartitionKeys a = new PartitionKeys("", "a:F:k", Algorithm.FIXED_WINDOW);
        PartitionKeys b = new PartitionKeys("", "a", Algorithm.FIXED_WINDOW);
        assertThat(a.of("x")).isNotEqualTo(b.of("F:k:x"));
    }

    @Test
    void badNamespacesAreRejectedByName() {
        assertThatThrownBy(() -> new PartitionKeys("", "bad\uD800", Algorithm.TOKEN_BUCKET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> new PartitionKeys("", "n".repeat(1100), Algorithm.TOKEN_BUCKET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024");
    }
}
