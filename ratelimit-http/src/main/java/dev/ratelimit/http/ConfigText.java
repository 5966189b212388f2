package dev.ratelimit.http;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One configuration as a {@link ConfigSource} holds it: the text of the properties schema of CONFIG.md, the
 * version the source gave it, and where it came from.
 * Immutable and thread-safe.
 *
 * @param text the properties text, as a {@code .properties} file would hold it
 * @param version the source's version of this text, such as {@code 7} (a counter) or a digest of a file's bytes;
 *     shown in logs and in {@link RateLimitEngine#configStatus()}; empty for a text not yet in a source
 * @param source where the text came from, named in every error about it ({@link ConfigSource#name()})
 */
public record ConfigText(String text, String version, String source) {

    /**
     * A configuration text.
     *
     * @param text the properties text
     * @param version the source's version of it
     * @param source where it came from
     * @throws NullPointerException if an argument is null
     */
    public ConfigText {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
    }

    /**
     * Parses the text with the parser of {@link RateLimitConfig} (a key written twice is an error, as in a file).
     * Errors name {@code SOURCE version VERSION} (just the source when the version is empty), the key and the value.
     *
     * @return the validated configuration
     * @throws ConfigException naming the source, the first invalid, unknown or renamed key and its value
     */
    public RateLimitConfig parse() {
        return RateLimitConfig.parse(text.getBytes(StandardCharsets.UTF_8), version.isEmpty() ? source
                : source + " version " + version);
    }
}
