package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The JSON fixtures under {@code events/}, read the way the Lambda Java runtime reads an event: with its own
 * serializer ({@code aws-lambda-java-serialization}, the library the runtime uses for {@code aws-lambda-java-events}
 * types), so a field the runtime would not bind is not bound here either.
 */
final class Events {

    private Events() {
    }

    /** A REST API (payload 1.0) fixture, fresh on each call. */
    static APIGatewayProxyRequestEvent rest(String name) {
        return read(name, APIGatewayProxyRequestEvent.class);
    }

    /** An HTTP API (payload 2.0) fixture, fresh on each call. */
    static APIGatewayV2HTTPEvent http(String name) {
        return read(name, APIGatewayV2HTTPEvent.class);
    }

    private static <T> T read(String name, Class<T> type) {
        PojoSerializer<T> serializer = LambdaEventSerializers.serializerFor(type, Events.class.getClassLoader());
        try (InputStream in = Events.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture events/" + name);
            }
            return serializer.fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
