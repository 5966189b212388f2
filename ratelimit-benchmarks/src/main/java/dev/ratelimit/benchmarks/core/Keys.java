package dev.ratelimit.benchmarks.core;

/** Pre-generated keys, so benchmarks measure the limiter and not string building. */
final class Keys {

    private Keys() {
    }

    /** {@code count} distinct keys shaped like client identifiers: {@code "client-0000042"}. */
    static String[] generate(int count) {
        String[] keys = new String[count];
        for (int i = 0; i < count; i++) {
            keys[i] = String.format("client-%07d", i);
        }
        return keys;
    }
}
