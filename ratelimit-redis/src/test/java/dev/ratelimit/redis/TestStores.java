package dev.ratelimit.redis;

import dev.ratelimit.spi.RateLimitStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.function.Consumer;

/** Stores with the client they run on, closed together. */
final class TestStores {

    private TestStores() {
    }

    /** A store and what must be closed with it. */
    record Handle(RateLimitStore store, AutoCloseable client) implements AutoCloseable {
        /** Closes both; a failure is rethrown unchecked, so tests need not catch an interruption they never see. */
        @Override
        public void close() {
            try {
                store.close();
                client.close();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("could not close " + store + " and its client", e);
            }
        }
    }

    /** A Lettuce client and connection to 127.0.0.1:port with a byte-array codec. */
    static Handle lettuce(int port, Consumer<LettuceRedisStore.Builder> options) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withTimeout(Duration.ofSeconds(5)).build());
        client.setOptions(ClientOptions.builder().build());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        LettuceRedisStore.Builder b = LettuceRedisStore.builder(connection);
        options.accept(b);
        LettuceRedisStore store = b.build();
        return new Handle(store, () -> {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        });
    }
}
