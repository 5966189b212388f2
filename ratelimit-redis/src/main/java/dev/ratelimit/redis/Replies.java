package dev.ratelimit.redis;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes the decision scripts' replies, client-neutrally (Jedis and Lettuce both give a {@code List} of
 * {@code Long}). Anything else (a proxy or a different server answering, a script of the same name that returns
 * something else, a truncated reply) is a {@link StoreException} that shows the reply, never a
 * {@code ClassCastException} or a made-up decision.
 *
 * <p>Stateless and thread-safe.
 */
final class Replies {

    private static final int SHOWN = 200;

    private Replies() {
    }

    /** The decision in one script reply: {outcome, limit index, remaining, resetAfter, retryAfter}. */
    static Decision decision(Object reply, ScriptCall call) {
        List<Limit> limits = call.binding.limits();
        if (!(reply instanceof List<?> list) || list.size() != 5) {
            throw unexpected(reply, call, "expected a list of 5 integers");
        }
        long[] v = new long[5];
        for (int i = 0; i < 5; i++) {
            if (!(list.get(i) instanceof Long number)) {
                throw unexpected(reply, call, "element " + i + " is not an integer");
            }
            v[i] = number;
        }
        if (v[1] < 0 || v[1] >= limits.size()) {
            throw unexpected(reply, call, "limit index " + v[1] + " is not one of the " + limits.size() + " limits");
        }
        if (v[2] < 0 || v[3] < 0 || v[4] < 0) {
            throw unexpected(reply, call, "negative remaining, resetAfter or retryAfter");
        }
        Limit limit = limits.get((int) v[1]);
        try {
            if (v[0] == 0) {
                return Decision.allowed(limit, v[2], v[3]);
            }
            if (v[0] == 1) {
                return Decision.denied(limit, v[2], v[3], v[4]);
            }
            if (v[0] == 2) {
                return Decision.exceedsCapacity(limit, v[2], v[3]);
            }
        } catch (IllegalArgumentException e) {
            throw unexpected(reply, call, e.getMessage());
        }
        throw unexpected(reply, call, "outcome " + v[0] + " is not 0, 1 or 2");
    }

    /** The elements of a combined evaluation's reply, one per call, in order. */
    static List<?> batch(Object reply, List<ScriptCall> calls) {
        if (!(reply instanceof List<?> list) || list.size() != calls.size()) {
            throw unexpected(reply, calls.get(0), "expected a list of " + calls.size() + " decisions");
        }
        return list;
    }

    static StoreException unexpected(Object reply, ScriptCall call, String why) {
        return new StoreException("Redis store: unexpected reply to the " + call.describe() + " (" + why
                + "): " + show(reply) + "; is this server (or a proxy in front of it) running the store's script?");
    }

    private static String show(Object reply) {
        String text;
        if (reply instanceof byte[] bytes) {
            text = "\"" + new String(bytes, 0, Math.min(bytes.length, SHOWN), StandardCharsets.UTF_8) + "\"";
        } else if (reply instanceof List<?> list) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : list) {
                if (b.length() > SHOWN) {
                    b.append("...");
                    break;
                }
                b.append(b.length() > 1 ? ", " : "").append(show(o));
            }
            text = b.append(']').toString();
        } else {
            text = String.valueOf(reply);
        }
        return text.length() > SHOWN ? text.substring(0, SHOWN) + "..." : text;
    }
}
