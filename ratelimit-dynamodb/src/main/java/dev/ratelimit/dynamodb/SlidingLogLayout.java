package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Sliding log as rings of slots, one ring per limit, so that writers on one key rarely collide.
 *
 * <h2>Attributes (format 2)</h2>
 * <pre>
 *   f                N  format version: 2
 *   l{i}_{j}         N  slot j (base 36) of limit i's ring: when one admitted permit was spent (microseconds)
 * </pre>
 * Limit {@code i} of {@code n} permits per {@code period} has {@code n} slots. Admitting {@code k} permits at
 * {@code now} writes {@code now} into {@code k} slots of every ring, each chosen among the slots the writer
 * believes free, with one conditional {@code UpdateItem} and no read:
 * <pre>
 *   SET    l{i}_{j} = stamp, ...            (k slots per limit)
 *   IF     (attribute_not_exists(l{i}_{j}) OR l{i}_{j} &lt;= now - period_i) AND ...
 *          AND attribute_not_exists(s) AND (attribute_not_exists(f) OR f = 2)
 * </pre>
 * A slot is free when empty or when its permit has left the limit's window. A ring of {@code n} slots holds at
 * most {@code n} permits inside the window, so the condition holds exactly when every limit has room for
 * {@code k} more: the admission test of the reference log, with no version to pin. Two writers collide only when
 * they pick the same slot; each picks at random among the free ones, so on a busy key most writes land at the
 * first attempt, and a writer that loses learns the item from the failure's {@code ALL_OLD}.
 *
 * <p>Every permit is written to every ring, and a ring never overwrites a permit inside its window, so the ring
 * of the longest period holds every permit of that period: it is the reference log (the entries of one
 * microsecond merged). The stamp is {@code max(now, newest permit seen)}, as the reference stamps after a step
 * back of the clock. Slots at or before {@code newest - longest period} are not part of the log: the reference
 * dropped them when the newest permit was spent (a slot write leaves them in place), and they would count again
 * after the clock steps back. A whole-item write (penalties, refunds, requests too large for one update) fills each
 * ring with the newest permits of the log.
 *
 * <h2>Format 1</h2>
 * Earlier releases wrote the log as one binary attribute {@code s} ({@code [1][8-byte longs]}). Such items are
 * still read; the fast update refuses them ({@code attribute_not_exists(s)}), so their first write here is a
 * whole-item write in format 2 conditioned on their version. Releases that know only format 1 cannot read
 * format 2: do not run both on one table at once (see the module README).
 *
 * <p>Immutable and thread-safe.
 */
final class SlidingLogLayout extends ItemLayout {

    static final String FORMAT = "f";
    static final int FORMAT_VERSION = 2;
    static final String OLD_STATE = "s";
    static final byte OLD_FORMAT = 1;
    /** Slot writes one update may make; larger requests take the whole-item write. */
    static final int MAX_SLOT_WRITES = 32;

    private final int[] offsets;
    private final int slots;
    private final int longest;
    private final long longestPeriod;

    SlidingLogLayout(List<Limit> limits) {
        super(limits);
        this.offsets = new int[limits.size()];
        int total = 0;
        int longestIndex = 0;
        for (int i = 0; i < limits.size(); i++) {
            offsets[i] = total;
            total = Math.addExact(total, Math.toIntExact(limits.get(i).permits()));
            Limit l = limits.get(i);
            Limit best = limits.get(longestIndex);
            if (l.periodMicros() > best.periodMicros()
                    || l.periodMicros() == best.periodMicros() && l.permits() > best.permits()) {
                longestIndex = i;
            }
        }
        this.slots = total;
        this.longest = longestIndex;
        this.longestPeriod = limits.get(longestIndex).periodMicros();
    }

    static String slot(int limit, int j) {
        return "l" + limit + "_" + Integer.toString(j, 36);
    }

    @Override
    long[] raw(Map<String, AttributeValue> item) {
        if (item.containsKey(OLD_STATE)) {
            return null;
        }
        checkFormat(item);
        long[] raw = new long[slots];
        Arrays.fill(raw, Long.MIN_VALUE);
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            String name = attribute.getKey();
            int underscore = name.indexOf('_');
            if (name.length() < 4 || name.charAt(0) != 'l' || underscore < 2) {
                continue;
            }
            int i;
            int j;
            try {
                i = Integer.parseInt(name, 1, underscore, 10);
                j = Integer.parseInt(name, underscore + 1, name.length(), 36);
            } catch (NumberFormatException e) {
                continue;
            }
            // Slots past a ring's size are left over from larger limits under the same names: not live.
            if (i >= 0 && i < limits.size() && j >= 0 && j < limits.get(i).permits()) {
                raw[offsets[i] + j] = BadItem.number(name, attribute.getValue());
            }
        }
        return raw;
    }

    private static void checkFormat(Map<String, AttributeValue> item) {
        AttributeValue f = item.get(FORMAT);
        if (f != null) {
            long version = BadItem.number(FORMAT, f);
            if (version != FORMAT_VERSION) {
                throw new BadItem(FORMAT, "says format " + version + " but this release reads formats 1 and "
                        + FORMAT_VERSION + (version > FORMAT_VERSION ? " (written by a later release?)" : ""));
            }
        }
    }

    @Override
    long[] decode(Map<String, AttributeValue> item) {
        AttributeValue old = item.get(OLD_STATE);
        if (old != null) {
            return decodeOld(old);
        }
        long[] raw = raw(item);
        return stateOf(raw);
    }

    /** The reference log held by the longest ring of {@code raw}; null if it is empty. */
    long[] stateOf(long[] raw) {
        int n = (int) limits.get(longest).permits();
        long[] stamps = Arrays.copyOfRange(raw, offsets[longest], offsets[longest] + n);
        Arrays.sort(stamps);
        if (stamps[n - 1] == Long.MIN_VALUE) {
            return null;
        }
        // A slot write leaves the slots it does not choose as they were, so the ring still holds permits that the
        // reference log dropped when the newest one was spent (it prunes what is out of the longest window at
        // every write). Drop them here too: after the clock steps back they would be inside the window again.
        long horizon = stamps[n - 1] - longestPeriod;
        int first = 0;
        while (first < n && stamps[first] <= horizon) {
            first++;
        }
        int entries = 0;
        for (int j = first; j < n; j++) {
            if (j == first || stamps[j] != stamps[j - 1]) {
                entries++;
            }
        }
        long[] s = new long[1 + 2 * entries];
        int e = -1;
        for (int j = first; j < n; j++) {
            if (j == first || stamps[j] != stamps[j - 1]) {
                e++;
                s[1 + 2 * e] = stamps[j];
            }
            s[2 + 2 * e]++;
        }
        s[0] = stamps[n - 1] + longestPeriod;
        return s;
    }

    private static long[] decodeOld(AttributeValue s) {
        if (s.b() == null) {
            throw new BadItem(OLD_STATE, "is not Binary but " + BadItem.describe(s));
        }
        ByteBuffer bytes = s.b().asByteBuffer();
        if (bytes.remaining() < 1) {
            throw new BadItem(OLD_STATE, "is empty");
        }
        byte format = bytes.get();
        if (format != OLD_FORMAT) {
            throw new BadItem(OLD_STATE, "has format " + format + " but this release reads format " + OLD_FORMAT);
        }
        if (bytes.remaining() % Long.BYTES != 0 || (bytes.remaining() / Long.BYTES) % 2 != 1) {
            throw new BadItem(OLD_STATE, "holds " + bytes.remaining() + " bytes after the format byte: not a log");
        }
        long[] state = new long[bytes.remaining() / Long.BYTES];
        bytes.asLongBuffer().get(state);
        for (int e = 0; e < (state.length - 1) / 2; e++) {
            if (state[2 + 2 * e] <= 0 || e > 0 && state[1 + 2 * e] <= state[2 * e - 1]) {
                throw new BadItem(OLD_STATE, "holds a log that is not in order or has empty entries");
            }
        }
        return state;
    }

    /** Format 1, for tests that write what an earlier release wrote. */
    static AttributeValue encodeOld(long[] state) {
        ByteBuffer bytes = ByteBuffer.allocate(1 + Long.BYTES * state.length);
        bytes.put(OLD_FORMAT);
        bytes.asLongBuffer().put(state);
        return AttributeValue.fromB(SdkBytes.fromByteArray(bytes.array()));
    }

    @Override
    void encode(long[] state, Map<String, AttributeValue> item) {
        item.put(FORMAT, AttributeValue.fromN(Integer.toString(FORMAT_VERSION)));
        if (state == null) {
            return;
        }
        for (int i = 0; i < limits.size(); i++) {
            int n = (int) limits.get(i).permits();
            int j = 0;
            for (int e = (state.length - 1) / 2 - 1; e >= 0 && j < n; e--) {
                AttributeValue stamp = AttributeValue.fromN(Long.toString(state[1 + 2 * e]));
                for (long c = 0; c < state[2 + 2 * e] && j < n; c++) {
                    item.put(slot(i, j++), stamp);
                }
            }
        }
    }

    /** The raw slots of the item after {@code encode(state)}. */
    long[] rawOf(long[] state) {
        long[] raw = new long[slots];
        Arrays.fill(raw, Long.MIN_VALUE);
        if (state == null) {
            return raw;
        }
        for (int i = 0; i < limits.size(); i++) {
            int n = (int) limits.get(i).permits();
            int j = 0;
            for (int e = (state.length - 1) / 2 - 1; e >= 0 && j < n; e--) {
                for (long c = 0; c < state[2 + 2 * e] && j < n; c++) {
                    raw[offsets[i] + j++] = state[1 + 2 * e];
                }
            }
        }
        return raw;
    }

    /** Whether {@code raw} is a raw view of this layout's rings (not one remembered under other limits). */
    boolean fits(long[] raw) {
        return raw.length == slots;
    }

    @Override
    boolean hasFastPath() {
        return false;
    }

    /**
     * The one update that writes {@code permits} at {@code now} into free slots of {@code raw} (null: nothing
     * known, every slot believed free), or null if the raw view shows too few free slots or the request is too
     * large for one update.
     *
     * @return the expression, the slots it writes and the stamp
     */
    SlotUpdate slotUpdate(long[] raw, long[] state, long permits, long now, String token) {
        if (permits * limits.size() > MAX_SLOT_WRITES) {
            return null;
        }
        long newest = state == null || state.length < 3 ? Long.MIN_VALUE : state[state.length - 2];
        long stamp = Math.max(now, newest);
        long[] after = raw == null ? rawOf(null) : raw.clone();
        int[] chosen = new int[(int) permits * limits.size()];
        int count = 0;
        Expression e = new Expression();
        String stampValue = e.number(stamp);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            int n = (int) limit.permits();
            long cut = now - limit.periodMicros();
            String cutValue = e.number(cut);
            int start = random.nextInt(n);
            int found = 0;
            for (int step = 0; step < n && found < permits; step++) {
                int j = (start + step) % n;
                long value = after[offsets[i] + j];
                if (value == Long.MIN_VALUE || value <= cut) {
                    String name = e.name(slot(i, j));
                    e.require("attribute_not_exists(" + name + ") OR " + name + " <= " + cutValue);
                    e.set(name + " = " + stampValue);
                    after[offsets[i] + j] = stamp;
                    chosen[count++] = offsets[i] + j;
                    found++;
                }
            }
            if (found < permits) {
                return null;
            }
        }
        String f = e.name(FORMAT);
        e.require("attribute_not_exists(" + e.name(OLD_STATE) + ")");
        e.require("attribute_not_exists(" + f + ") OR " + f + " = " + e.number(FORMAT_VERSION));
        e.set(f + " = " + e.number(FORMAT_VERSION));
        // Concurrent writers may stamp a little earlier than an entry already written; the margin keeps the TTL
        // past every entry's expiry as long as their clocks agree within it.
        e.set(e.name(TTL) + " = " + e.number(ttlSeconds(stamp + longestPeriod) + TTL_MARGIN_SECONDS));
        e.set(e.name(VERSION) + " = " + e.number(token));
        return new SlotUpdate(e, chosen, stamp);
    }

    /** The raw view of an item that was {@code before} (null: no item) once {@code update} has been applied. */
    long[] after(long[] before, SlotUpdate update) {
        long[] after = before == null ? rawOf(null) : before.clone();
        for (int index : update.chosen()) {
            after[index] = update.stamp();
        }
        return after;
    }

    @Override
    long[] rawAfterPut(long[] state) {
        return rawOf(state);
    }

    /** Added to the TTL of a slot write; see {@link #slotUpdate}. */
    static final long TTL_MARGIN_SECONDS = 60;

    /** A slot update: the expression, the raw indices it writes and the stamp it writes there. */
    record SlotUpdate(Expression expression, int[] chosen, long stamp) {
    }
}
