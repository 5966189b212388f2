package dev.ratelimit.dynamodb;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An item that does not have the shape the store writes (a missing or mistyped attribute, an unreadable number,
 * garbage in a binary state, a format from a later release). The binding turns it into a
 * {@link dev.ratelimit.spi.StoreException} naming the table and the key; this names the attribute and the problem.
 */
final class BadItem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final String attribute;

    BadItem(String attribute, String problem) {
        super("attribute '" + attribute + "' " + problem, null, false, false);
        this.attribute = attribute;
    }

    /** A short description of a value for messages: its type and, for scalars, a prefix of its text. */
    static String describe(AttributeValue value) {
        if (value == null) {
            return "missing";
        }
        String type = value.type() == null ? "unknown type" : value.type().toString();
        String text = value.s() != null ? value.s() : value.n() != null ? value.n() : null;
        if (text == null) {
            return "a value of type " + type;
        }
        return "a value of type " + type + " '" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'";
    }

    /** The Number attribute {@code name} of {@code value} as a long. */
    static long number(String name, AttributeValue value) {
        if (value == null) {
            throw new BadItem(name, "is missing");
        }
        if (value.n() == null) {
            throw new BadItem(name, "is not a Number but " + describe(value));
        }
        try {
            return Long.parseLong(value.n());
        } catch (NumberFormatException e) {
            throw new BadItem(name, "is not a whole number that fits 64 bits: '" + value.n() + "'");
        }
    }

    /** Like {@link #number} but {@code absent} when missing. */
    static long number(String name, AttributeValue value, long absent) {
        return value == null ? absent : number(name, value);
    }
}
