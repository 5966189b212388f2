package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/**
 * The builder's rules: the key prefix rule both stores share (plus Redis's braces), the last call wins for every
 * option, and caller-thread calls refuse the options of the store's own threads instead of ignoring them.
 */
class RedisStoreBuilderTest {

    private static UnifiedJedis jedis() {
        return TestRedis.standaloneClient();
    }

    /** The Redis key a store built with {@code options} writes for user key "k" of namespace "ns". */
    private static String physicalKey(Consumer<RedisStore.Builder> options) {
        RedisStore.Builder builder = RedisStore.builder(jedis());
        options.accept(builder);
        try (RedisStore store = builder.build()) {
            RedisBinding binding = (RedisBinding) store.bind("ns", Algorithm.FIXED_WINDOW,
                    List.of(Limit.parse("1/s")));
            return new String(binding.redisKey("k"), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theKeyPrefixIsTheLiteralStartOfEveryRedisKey() {
        assertThat(physicalKey(b -> { })).startsWith("rl:{");
        assertThat(physicalKey(b -> b.keyPrefix("app:prod:"))).startsWith("app:prod:{");
        assertThat(physicalKey(b -> b.keyPrefix(""))).startsWith("{");
        assertThat(physicalKey(b -> b.keyPrefix("\u00e9\uD83D\uDE00"))).startsWith("\u00e9\uD83D\uDE00{");
        assertThat(physicalKey(b -> b.keyPrefix("p".repeat(256)))).startsWith("p".repeat(256) + "{");
    }

    @Test
    void aKeyPrefixOutsideTheRuleIsRefusedNamingTheValue() {
        RedisStore.Builder builder = RedisStore.builder(jedis());
        assertThatThrownBy(() -> builder.keyPrefix(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> builder.keyPrefix("p".repeat(257))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 to 256 characters").hasMessageContaining("ppp");
        assertThatThrownBy(() -> builder.keyPrefix("bad\uD800")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("well-formed UTF-16");
        assertThatThrownBy(() -> builder.keyPrefix("a{b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'{' or '}'").hasMessageContaining("a{b");
        assertThatThrownBy(() -> builder.keyPrefix("a}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a}");
    }

    @Test
    void theLastCallWins() {
        assertThat(physicalKey(b -> b.keyPrefix("first:").keyPrefix("second:"))).startsWith("second:{");
        RedisStore.Builder builder = RedisStore.builder(jedis()).keyPrefix("a:").keyPrefix("b:")
                .serverTime().callerTime()
                .timeout(Duration.ofSeconds(3)).timeout(Duration.ofMillis(250))
                .expiryMargin(Duration.ofSeconds(5)).expiryMargin(Duration.ofSeconds(2))
                .maxPendingCalls(10).maxPendingCalls(20)
                .coalescing(false).coalescing(true)
                .threads(1).threads(2);
        try (RedisStore store = builder.build()) {
            assertThat(store.ownedThreads()).isEqualTo(2);
            assertThat(store.toString()).contains("keyPrefix=b:", "time=caller", "expiryMarginMillis=2000",
                    "timeout=PT0.25S", "maxPendingCalls=20", "coalescing=true");
        }
        try (RedisStore store = RedisStore.builder(jedis()).callerTime().serverTime().build()) {
            assertThat(store.toString()).contains("time=server");
        }
    }

    @Test
    void callerThreadCallsRefuseTheOptionsOfTheStoresOwnThreads() {
        List<Consumer<RedisStore.Builder>> ownThreadOptions = List.of(
                b -> b.threads(2), b -> b.timeout(Duration.ofSeconds(1)), b -> b.maxPendingCalls(5),
                b -> b.coalescing(false));
        for (Consumer<RedisStore.Builder> option : ownThreadOptions) {
            RedisStore.Builder before = RedisStore.builder(jedis());
            option.accept(before);
            before.callerThreadCalls();
            assertThatThrownBy(before::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("callerThreadCalls() excludes");
            RedisStore.Builder after = RedisStore.builder(jedis()).callerThreadCalls();
            option.accept(after);
            assertThatThrownBy(after::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("callerThreadCalls() excludes");
        }
        try (RedisStore store = RedisStore.builder(jedis()).keyPrefix("x:").callerTime().callerThreadCalls()
                .build()) {
            assertThat(store.ownedThreads()).isZero();
        }
    }
}
