package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Sliding log: the reference state as one binary attribute, written by a conditional write
 * on the version token (see {@link DynamoBinding}).
 *
 * <pre>
 *   s  B  [format version: 1 byte = 1][state: 8-byte big-endian longs, element 0 first]
 * </pre>
 * The format byte lets a later release read what this one wrote; an item with an unknown format counts as no
 * state (the key starts afresh) rather than failing every request.
 */
final class BinaryStateLayout extends ItemLayout {

    static final String STATE = "s";
    static final byte FORMAT = 1;

    BinaryStateLayout(List<Limit> limits) {
        super(limits);
    }

    @Override
    long[] decode(Map<String, AttributeValue> item) {
        AttributeValue s = item.get(STATE);
        if (s == null || s.b() == null) {
            return null;
        }
        ByteBuffer bytes = s.b().asByteBuffer();
        if (bytes.remaining() < 1 || bytes.get() != FORMAT || bytes.remaining() % Long.BYTES != 0) {
            return null;
        }
        long[] state = new long[bytes.remaining() / Long.BYTES];
        bytes.asLongBuffer().get(state);
        return state;
    }

    @Override
    void encode(long[] state, Map<String, AttributeValue> item) {
        ByteBuffer bytes = ByteBuffer.allocate(1 + Long.BYTES * state.length);
        bytes.put(FORMAT);
        bytes.asLongBuffer().put(state);
        item.put(STATE, AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(bytes.array())));
    }

    @Override
    boolean hasFastPath() {
        return false;
    }
}
