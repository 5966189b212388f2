package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
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
 * <h2>Changed limits</h2>
 * <pre>
 *   r                S  the rings' limits, "permits/periodMicros" per ring, space-separated
 *   o                N  present (1) while a ring holds more permits inside its window than it has slots
 * </pre>
 * The log is decoded from every slot of every ring present, whatever this limiter's rings are: for each time,
 * the most permits any ring holds at it (each ring holds every permit of its own window), pruned to the longest
 * period of the rings that wrote it ({@code r}). So limits raised, lowered, added or removed read the same log as
 * the reference. A slot update requires {@code r} to be these rings and {@code o} to be absent; any other item
 * is written whole: each ring receives every logged permit inside its window (newest first), and at least as
 * many of the newest as it has slots. A ring whose window holds more permits than its size (a lowered limit)
 * gets slots past its size and marks the item with {@code o}, so its keys take whole-item writes until the
 * excess has left the window and a write finds none.
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
    static final String RINGS = "r";
    static final String OVERFLOW = "o";
    static final byte OLD_FORMAT = 1;
    /** Slot writes one update may make; larger requests take the whole-item write. */
    static final int MAX_SLOT_WRITES = 32;

    private final int[] offsets;
    private final int slots;
    private final int longest;
    private final long longestPeriod;
    private final String rings;

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
        StringBuilder described = new StringBuilder();
        for (Limit limit : limits) {
            described.append(described.length() == 0 ? "" : " ").append(limit.permits()).append('/')
                    .append(limit.periodMicros());
        }
        this.rings = described.toString();
    }

    static String slot(int limit, int j) {
        return "l" + limit + "_" + Integer.toString(j, 36);
    }

    /**
     * This limiter's slots of the item (empty if none), or an empty array if the item was written under other
     * rings or holds more permits than a ring's size (only a whole-item write may change it), or null for an item
     * of format 1.
     */
    @Override
    long[] raw(Map<String, AttributeValue> item) {
        if (item.containsKey(OLD_STATE)) {
            return null;
        }
        checkFormat(item);
        if (item.containsKey(OVERFLOW) || item.containsKey(FORMAT) && !rings.equals(storedRings(item))) {
            return new long[0];
        }
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
        checkFormat(item);
        return stateOfAll(item);
    }

    /** The ring of a slot attribute {@code l{i}_{j}}, or -1 if {@code name} is not one. */
    private static int ringOf(String name) {
        int underscore = name.indexOf('_');
        if (name.length() < 4 || name.charAt(0) != 'l' || underscore < 2) {
            return -1;
        }
        try {
            int ring = Integer.parseInt(name, 1, underscore, 10);
            return Integer.parseInt(name, underscore + 1, name.length(), 36) >= 0 ? ring : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The {@code r} attribute, or null. */
    private static String storedRings(Map<String, AttributeValue> item) {
        AttributeValue r = item.get(RINGS);
        if (r == null) {
            return null;
        }
        if (r.s() == null) {
            throw new BadItem(RINGS, "is not a String but " + BadItem.describe(r));
        }
        return r.s();
    }

    /** The longest period of the rings {@code r} describes, or this layout's if the item has none. */
    private long storedLongestPeriod(Map<String, AttributeValue> item) {
        String r = storedRings(item);
        if (r == null) {
            return longestPeriod;
        }
        long longestStored = 0;
        for (String ring : r.split(" ")) {
            int slash = ring.indexOf('/');
            try {
                longestStored = Math.max(longestStored, Long.parseLong(ring.substring(slash + 1)));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw new BadItem(RINGS, "does not describe rings: '" + r + "'");
            }
        }
        return longestStored;
    }

    /**
     * The reference log held by all the rings of the item, whatever limits wrote them: at each time, the most
     * permits any ring holds there, pruned to the longest period of the rings that wrote it.
     */
    private long[] stateOfAll(Map<String, AttributeValue> item) {
        // Each ring's permits by time, then the most any ring holds at each time.
        Map<Integer, Map<Long, Long>> rings = new HashMap<>();
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            int ring = ringOf(attribute.getKey());
            if (ring >= 0) {
                long time = BadItem.number(attribute.getKey(), attribute.getValue());
                rings.computeIfAbsent(ring, r -> new HashMap<>()).merge(time, 1L, Long::sum);
            }
        }
        TreeMap<Long, Long> most = new TreeMap<>();
        for (Map<Long, Long> ring : rings.values()) {
            ring.forEach((time, count) -> most.merge(time, count, Math::max));
        }
        if (most.isEmpty()) {
            return null;
        }
        long newest = most.lastKey();
        SortedMap<Long, Long> live = most.tailMap(newest - storedLongestPeriod(item), false);
        long[] s = new long[1 + 2 * live.size()];
        int e = 0;
        for (Map.Entry<Long, Long> entry : live.entrySet()) {
            s[1 + 2 * e] = entry.getKey();
            s[2 + 2 * e] = entry.getValue();
            e++;
        }
        s[0] = newest + storedLongestPeriod(item);
        return s;
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
        item.put(RINGS, AttributeValue.fromS(rings));
        if (state == null) {
            return;
        }
        boolean overflow = false;
        for (int i = 0; i < limits.size(); i++) {
            int written = slotsWritten(state, i);
            overflow |= written > limits.get(i).permits();
            int j = 0;
            for (int e = (state.length - 1) / 2 - 1; e >= 0 && j < written; e--) {
                AttributeValue stamp = AttributeValue.fromN(Long.toString(state[1 + 2 * e]));
                for (long c = 0; c < state[2 + 2 * e] && j < written; c++) {
                    item.put(slot(i, j++), stamp);
                }
            }
        }
        if (overflow) {
            item.put(OVERFLOW, AttributeValue.fromN("1"));
        }
    }

    /**
     * How many of the log's newest permits ring {@code i} receives in a whole-item write: every permit inside its
     * window (ending at the newest entry), and at least as many as it has slots if the log holds that many.
     */
    private int slotsWritten(long[] state, int i) {
        long period = limits.get(i).periodMicros();
        int entries = (state.length - 1) / 2;
        long newest = entries == 0 ? 0 : state[state.length - 2];
        long inside = 0;
        long total = 0;
        for (int e = 0; e < entries; e++) {
            total += state[2 + 2 * e];
            if (state[1 + 2 * e] > newest - period) {
                inside += state[2 + 2 * e];
            }
        }
        return (int) Math.max(inside, Math.min(total, limits.get(i).permits()));
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
        String r = e.name(RINGS);
        String ringsValue = e.string(rings);
        e.require("attribute_not_exists(" + e.name(OLD_STATE) + ")");
        e.require("attribute_not_exists(" + e.name(OVERFLOW) + ")");
        e.require("attribute_not_exists(" + f + ") OR (" + f + " = " + e.number(FORMAT_VERSION) + " AND " + r
                + " = " + ringsValue + ")");
        e.set(f + " = " + e.number(FORMAT_VERSION));
        e.set(r + " = " + ringsValue);
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

    /** The raw view after a whole-item write of {@code state}; empty (a whole-item write next) if it overflows. */
    @Override
    long[] rawAfterPut(long[] state) {
        if (state != null) {
            for (int i = 0; i < limits.size(); i++) {
                if (slotsWritten(state, i) > limits.get(i).permits()) {
                    return new long[0];
                }
            }
        }
        return rawOf(state);
    }

    /** Added to the TTL of a slot write; see {@link #slotUpdate}. */
    static final long TTL_MARGIN_SECONDS = 60;

    /** A slot update: the expression, the raw indices it writes and the stamp it writes there. */
    record SlotUpdate(Expression expression, int[] chosen, long stamp) {
    }
}
