package dev.ratelimit.dynamodb;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Accumulates one UpdateItem's update and condition expressions with their placeholders. Every attribute name
 * goes through a {@code #} placeholder, so names that are reserved words ({@code ttl}) or contain odd characters
 * are safe. Not thread-safe; one per request.
 */
final class Expression {

    private final StringBuilder set = new StringBuilder();
    private final StringBuilder remove = new StringBuilder();
    private final StringBuilder condition = new StringBuilder();
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, String> placeholders = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();

    /** The placeholder for attribute {@code attribute}, registering it on first use. */
    String name(String attribute) {
        String placeholder = placeholders.get(attribute);
        if (placeholder == null) {
            placeholder = "#a" + placeholders.size();
            placeholders.put(attribute, placeholder);
            names.put(placeholder, attribute);
        }
        return placeholder;
    }

    /** A fresh placeholder for the number {@code value}. */
    String number(Object value) {
        String placeholder = ":v" + values.size();
        values.put(placeholder, AttributeValue.fromN(value.toString()));
        return placeholder;
    }

    /** A fresh placeholder for the string {@code value}. */
    String string(String value) {
        String placeholder = ":v" + values.size();
        values.put(placeholder, AttributeValue.fromS(value));
        return placeholder;
    }

    Expression set(String clause) {
        (set.length() == 0 ? set : set.append(", ")).append(clause);
        return this;
    }

    Expression remove(String attribute) {
        (remove.length() == 0 ? remove : remove.append(", ")).append(name(attribute));
        return this;
    }

    /** Adds a clause that must hold, AND-ed with the others. */
    Expression require(String clause) {
        (condition.length() == 0 ? condition : condition.append(" AND ")).append('(').append(clause).append(')');
        return this;
    }

    String update() {
        if (remove.length() == 0) {
            return "SET " + set;
        }
        return set.length() == 0 ? "REMOVE " + remove : "SET " + set + " REMOVE " + remove;
    }

    String condition() {
        return condition.toString();
    }

    Map<String, String> names() {
        return names;
    }

    Map<String, AttributeValue> values() {
        return values;
    }
}
