package dev.ratelimit.config;

/**
 * A publish that was refused because the configuration changed since the publisher read it: another operator
 * published in between. Nothing was written. Read the current configuration ({@link #currentVersion()}), merge, and
 * publish again with that version. The command-line tool exits with 2 on it.
 *
 * <p>Immutable and thread-safe.
 */
public class VersionConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The version the publisher expected. */
    private final long expectedVersion;
    /** The version in the store when the publish was refused. */
    private final long currentVersion;

    /**
     * A conflict.
     *
     * @param store the store's name
     * @param expectedVersion the version the publisher expected
     * @param currentVersion the version in the store (0: nothing published)
     */
    public VersionConflictException(String store, long expectedVersion, long currentVersion) {
        super(store + " is at version " + currentVersion + ", not " + expectedVersion + " as expected: someone"
                + " published in between; read version " + currentVersion + ", merge, and publish with expected"
                + " version " + currentVersion);
        this.expectedVersion = expectedVersion;
        this.currentVersion = currentVersion;
    }

    /**
     * The version the publisher expected.
     *
     * @return the expected version
     */
    public long expectedVersion() {
        return expectedVersion;
    }

    /**
     * The version in the store when the publish was refused.
     *
     * @return the current version, 0 if nothing is published
     */
    public long currentVersion() {
        return currentVersion;
    }
}
