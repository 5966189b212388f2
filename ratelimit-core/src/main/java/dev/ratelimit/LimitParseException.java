package dev.ratelimit;

/**
 * Thrown by {@link Limit#parse(CharSequence)} when the text is not a limit. The message names the text and the
 * zero-based position of the first character that could not be read; {@link #text()} and {@link #position()}
 * give the same for programs.
 *
 * <p>Immutable and thread-safe.
 */
public final class LimitParseException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The text that was parsed. */
    private final String text;
    /** The zero-based position of the first character that could not be read. */
    private final int position;

    LimitParseException(String text, int position, String problem) {
        super("Cannot parse limit \"" + text + "\" at position " + position + ": " + problem);
        this.text = text;
        this.position = position;
    }

    /**
     * The text that was parsed.
     *
     * @return the whole text given to {@link Limit#parse(CharSequence)}
     */
    public String text() {
        return text;
    }

    /**
     * The zero-based position of the first character that could not be read.
     *
     * @return an index into {@link #text()}, equal to its length if the text ended too early
     */
    public int position() {
        return position;
    }
}
