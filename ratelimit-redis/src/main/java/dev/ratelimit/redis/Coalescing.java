package dev.ratelimit.redis;

import dev.ratelimit.spi.StoreException;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups a batch of calls into script evaluations: calls that are {@linkplain ScriptCall#combinableWith
 * combinable} (acquires of one binding, on one key, at one time) form one group, decided by one evaluation in the
 * order they were taken; every other call is a group of its own. Different groups are sent together (pipelined).
 * A group never spans two keys, so in a cluster it never spans two slots.
 */
final class Coalescing {

    private Coalescing() {
    }

    /** The groups of {@code batch}, each non-empty, in the order of their first call. */
    static List<List<ScriptCall>> group(List<ScriptCall> batch, boolean combine) {
        List<List<ScriptCall>> groups = new ArrayList<>(batch.size());
        outer:
        for (ScriptCall call : batch) {
            if (combine && call.op == ScriptCall.ACQUIRE) {
                for (List<ScriptCall> g : groups) {
                    if (g.get(0).combinableWith(call)) {
                        g.add(call);
                        continue outer;
                    }
                }
            }
            List<ScriptCall> g = new ArrayList<>(2);
            g.add(call);
            groups.add(g);
        }
        return groups;
    }

    /** The arguments of a group's one evaluation. */
    static List<byte[]> args(List<ScriptCall> group) {
        return group.size() == 1 ? group.get(0).args() : ScriptCall.batchArgs(group);
    }

    /** Completes a group's calls from the reply of its evaluation. */
    static void complete(List<ScriptCall> group, Object reply) {
        if (group.size() == 1) {
            group.get(0).complete(reply);
            return;
        }
        List<?> replies;
        try {
            replies = Replies.batch(reply, group);
        } catch (StoreException e) {
            for (ScriptCall c : group) {
                c.completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            group.get(i).complete(replies.get(i));
        }
    }

    static void fail(List<ScriptCall> group, String why, Throwable cause) {
        for (ScriptCall c : group) {
            c.fail(why, cause);
        }
    }
}
