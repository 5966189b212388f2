package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * A reply that is not what the decision script returns (a proxy or a different server on the port) fails every
 * store call with a {@link StoreException} that shows the reply, never a {@code ClassCastException},
 * {@code IndexOutOfBoundsException} or a made-up decision; the limiter's failure policy then answers.
 * {@link WrongServer} plays the wrong server.
 */
class RedisWrongReplyTest {

    static Stream<Arguments> cases() {
        List<String[]> replies = List.of(
                new String[] {"an integer", ":1\r\n"},
                new String[] {"a status", "+OK\r\n"},
                new String[] {"a string", "$5\r\nhello\r\n"},
                new String[] {"a null string", "$-1\r\n"},
                new String[] {"a null list", "*-1\r\n"},
                new String[] {"an empty list", "*0\r\n"},
                new String[] {"a short list", "*2\r\n:1\r\n:2\r\n"},
                new String[] {"a list of strings", "*5\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n0\r\n"},
                new String[] {"a nested list", "*5\r\n*1\r\n:0\r\n:0\r\n:1\r\n:1\r\n:0\r\n"},
                new String[] {"an unknown limit", "*5\r\n:0\r\n:7\r\n:1\r\n:1\r\n:0\r\n"},
                new String[] {"a negative limit", "*5\r\n:0\r\n:-1\r\n:1\r\n:1\r\n:0\r\n"},
                new String[] {"an unknown outcome", "*5\r\n:9\r\n:0\r\n:1\r\n:1\r\n:0\r\n"},
                new String[] {"a negative count", "*5\r\n:0\r\n:0\r\n:-1\r\n:1\r\n:0\r\n"},
                new String[] {"an error", "-ERR unknown command 'EVALSHA'\r\n"});
        return Stream.of(Client.values()).flatMap(client -> replies.stream()
                .map(r -> Arguments.of(client, r[0], r[1])));
    }

    enum Client { JEDIS_THREADS, JEDIS_CALLER_THREAD, LETTUCE }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void everyCallFailsWithAStoreExceptionNamingTheReply(Client client, String what, String reply) throws Exception {
        try (WrongServer server = new WrongServer(reply); TestStores.Handle store = open(client, server.port())) {
            StoreBinding binding = store.store().bind("wrong", Algorithm.TOKEN_BUCKET, List.of(Limit.parse("10/1s")));
            assertStoreException(() -> binding.peek("k", 0));
            assertStoreException(() -> binding.tryAcquire("k", 1, 0));
            assertStoreException(() -> binding.adjust("k", -1, 0));
            assertStoreException(() -> binding.adjust("k", 5, 0));
            assertThatThrownBy(() -> binding.tryAcquireAsync("k", 1, 0).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(StoreException.class);

            RateLimiter closed = RateLimiter.builder().limit(Limit.parse("10/1s")).store(store.store())
                    .failurePolicy(FailurePolicy.deny()).build();
            Decision d = closed.tryAcquire("k");
            assertThat(d.allowed()).isFalse();
            assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
            assertThat(closed.tryAcquireAsync("k").toCompletableFuture().get(5, TimeUnit.SECONDS).reason())
                    .isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        }
    }

    private static void assertStoreException(Runnable call) {
        assertThatThrownBy(call::run)
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("Redis store")
                .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("unexpected reply", "ERR unknown command"));
    }

    static TestStores.Handle open(Client client, int port) {
        return switch (client) {
            case JEDIS_THREADS, JEDIS_CALLER_THREAD -> {
                JedisPooled jedis = new JedisPooled(new HostAndPort("127.0.0.1", port),
                        DefaultJedisClientConfig.builder().socketTimeoutMillis(2_000).build());
                RedisStore.Builder b = RedisStore.builder(jedis).callerTime();
                if (client == Client.JEDIS_CALLER_THREAD) {
                    b.callerThreadCalls();
                } else {
                    b.timeout(Duration.ofSeconds(5));
                }
                yield new TestStores.Handle(b.build(), jedis);
            }
            case LETTUCE -> TestStores.lettuce(port, b -> b.callerTime().timeout(Duration.ofSeconds(5)));
        };
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
