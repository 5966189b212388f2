package dev.ratelimit.redis;

import dev.ratelimit.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a batch of calls into Redis commands, client-neutrally, and completes the calls from the commands' replies.
 *
 * <p>First the calls are grouped: calls that are {@linkplain ScriptCall#combinableWith combinable} (acquires of
 * one binding, on one key, at one time) form one group, decided by one evaluation in the order they were taken;
 * every other call is a group of its own. Then the groups are packed into commands: a reset is one {@code DEL};
 * the groups of one script are one evaluation of the script's {@linkplain DecisionScript#multiKey() multi-key
 * form} when the connection allows several keys in one call ({@link KeyScope}), otherwise (or when there is one
 * group) each group is one evaluation of the script. A multi-key evaluation never spans two slots when the scope
 * is {@link KeyScope#SLOT}, and a reset is a barrier: nothing before it in the batch is sent after it, nothing
 * after it before it. The commands of a batch are sent together (pipelined).
 *
 * <p>Not thread-safe; a {@link Command} is used by one runner thread at a time.
 */
final class Coalescing {

    /** Which keys one command may hold. */
    enum KeyScope {
        /** One key per command (a connection that routes each command by its first key, e.g. sharded). */
        ONE,
        /** Any keys of one slot (Redis Cluster). */
        SLOT,
        /** Any keys (one standalone server). */
        ANY
    }

    /** A slot for keys, in {@link KeyScope#SLOT}: Redis Cluster's CRC16 of the key's hash tag. */
    interface Slots {
        int slot(byte[] key);
    }

    private static final byte[] ZERO = {'0'};

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

    /**
     * The commands that decide {@code batch}, in an order that keeps every reset where it was relative to the
     * other calls.
     *
     * @param slots the slot of a key; used only with {@link KeyScope#SLOT}
     */
    static List<Command> plan(List<ScriptCall> batch, KeyScope scope, Slots slots) {
        List<List<ScriptCall>> groups = group(batch, true);
        List<Command> commands = new ArrayList<>(scope == KeyScope.ONE ? groups.size() : 4);
        int open = 0; // commands[open..] may still take groups; a reset closes them all
        for (List<ScriptCall> g : groups) {
            ScriptCall first = g.get(0);
            if (first.op == ScriptCall.DELETE) {
                commands.add(new Command(null, g, -1));
                open = commands.size();
                continue;
            }
            DecisionScript script = first.script();
            int slot = scope == KeyScope.SLOT ? slots.slot(first.redisKey) : -1;
            Command into = null;
            if (scope != KeyScope.ONE) {
                for (int i = open; i < commands.size(); i++) {
                    Command c = commands.get(i);
                    if (c.script == script && c.slot == slot) {
                        into = c;
                        break;
                    }
                }
            }
            if (into == null) {
                commands.add(new Command(script, g, slot));
            } else {
                into.groups.add(g);
            }
        }
        return commands;
    }

    /** The arguments of a group's one evaluation of the one-key script. */
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

    /**
     * One command of a batch: a {@code DEL} of one reset, one evaluation of the one-key script for one group, or
     * one evaluation of the multi-key script for several groups (one key each, possibly the same key twice).
     */
    static final class Command {
        /** The one-key script, or {@code null} for a {@code DEL}. */
        final DecisionScript script;
        final List<List<ScriptCall>> groups = new ArrayList<>(4);
        private final int slot;

        Command(DecisionScript script, List<ScriptCall> first, int slot) {
            this.script = script;
            this.slot = slot;
            groups.add(first);
        }

        boolean isDelete() {
            return script == null;
        }

        /** The key of a {@code DEL} or of a one-group evaluation (also the first key of a multi-key one). */
        byte[] key() {
            return groups.get(0).get(0).redisKey;
        }

        /** The script to run: the one-key script for one group, its multi-key form for several. */
        DecisionScript runs() {
            return groups.size() == 1 ? script : script.multiKey();
        }

        /** The keys of the evaluation, one per group. */
        byte[][] keys() {
            byte[][] keys = new byte[groups.size()][];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = groups.get(i).get(0).redisKey;
            }
            return keys;
        }

        /** The arguments of the evaluation. */
        List<byte[]> args() {
            if (groups.size() == 1) {
                return Coalescing.args(groups.get(0));
            }
            // per key: op, amount, time, then the margin and limits, or 0 when they are the previous key's
            List<byte[]> args = new ArrayList<>(groups.size() * 4 + 6);
            RedisBinding previous = null;
            for (List<ScriptCall> g : groups) {
                List<byte[]> own = Coalescing.args(g);
                args.add(own.get(0));
                args.add(own.get(1));
                args.add(own.get(2));
                RedisBinding binding = g.get(0).binding;
                if (binding == previous) {
                    args.add(ZERO);
                } else {
                    args.add(ScriptCall.ascii(own.size() - 3));
                    args.addAll(own.subList(3, own.size()));
                    previous = binding;
                }
            }
            return args;
        }

        /** Completes every call of this command from its reply. */
        void complete(Object reply) {
            if (isDelete()) {
                groups.get(0).get(0).complete(reply);
                return;
            }
            if (groups.size() == 1) {
                Coalescing.complete(groups.get(0), reply);
                return;
            }
            if (!(reply instanceof List<?> list) || list.size() != groups.size()) {
                StoreException e = Replies.unexpected(reply, groups.get(0).get(0),
                        "expected a list of " + groups.size() + " replies, one per key");
                for (List<ScriptCall> g : groups) {
                    for (ScriptCall c : g) {
                        c.completeExceptionally(e);
                    }
                }
                return;
            }
            for (int i = 0; i < groups.size(); i++) {
                Object one = list.get(i);
                if (one instanceof byte[] error) {
                    // the script's error on this key (e.g. WRONGTYPE or OOM): only this key's calls fail
                    Coalescing.fail(groups.get(i), new String(error, StandardCharsets.UTF_8), null);
                } else {
                    Coalescing.complete(groups.get(i), one);
                }
            }
        }

        /** Fails every call of this command. */
        void fail(String why, Throwable cause) {
            for (List<ScriptCall> g : groups) {
                Coalescing.fail(g, why, cause);
            }
        }

        /** How many calls this command decides. */
        int calls() {
            int n = 0;
            for (List<ScriptCall> g : groups) {
                n += g.size();
            }
            return n;
        }

        @Override
        public String toString() {
            return isDelete() ? "DEL " + Arrays.toString(key()) : runs().algorithm() + " x" + groups.size();
        }
    }
}
