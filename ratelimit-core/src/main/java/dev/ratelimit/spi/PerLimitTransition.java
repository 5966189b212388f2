package dev.ratelimit.spi;

import dev.ratelimit.Limit;
import java.util.List;

/**
 * An algorithm that keeps one slot of state per limit (fixed window, sliding window, token bucket), and records
 * with it what each slot was written under, so that a limiter with changed limits can carry each key's
 * consumption over.
 *
 * <h2>Layout</h2>
 * {@code [fullAt, fields of limit 0, ..., fields of limit n-1, descriptor of limit 0, ..., descriptor of limit n-1]}:
 * {@link #width()} fields per limit (the algorithm's state), then {@link #descriptorWidth()} numbers per limit that
 * describe the limit that wrote them, starting with its period in microseconds. The fields of limit {@code i} are
 * at {@code 1 + width x i}, whatever the descriptors hold.
 *
 * <h2>Matching a stored limit to a new one</h2>
 * A state written under exactly these limits (the same number, each described as the limit at its position) is
 * read as it is. Otherwise each new limit takes over the slot of one stored limit, or none:
 * <ol>
 *   <li>by period: each new limit, in order, takes the first stored limit of the same period not yet taken (so
 *       with two limits of one period the first new one takes the first stored one, the second the second);</li>
 *   <li>then the new limits left over, in order, take the stored limits left over, in order (a limit whose
 *       period changed keeps its state: with one limit before and after, the one limit carries);</li>
 *   <li>a new limit left without a stored one starts fresh, and a stored limit no new one took is dropped when
 *       the key is next written.</li>
 * </ol>
 * Each taken slot is converted by {@link #carry} (the algorithm's rule for a changed limit) and re-described with
 * the new limit. The transition stores the converted state with the next request, even a denied one.
 */
abstract class PerLimitTransition extends AbstractTransition {

    /** Fields per limit. */
    abstract int width();

    /**
     * Descriptor numbers per limit; the first is the period in microseconds. By default the period alone (what
     * the windowed algorithms need); an algorithm that describes more overrides this, {@link #describe} and
     * {@link #writtenUnder} together.
     */
    int descriptorWidth() {
        return 1;
    }

    /** Writes the descriptor of {@code limit}, limit {@code i} of {@code n}, into {@code to}: by default its period. */
    void describe(long[] to, int n, int i, Limit limit) {
        to[descriptor(n, i)] = limit.periodMicros();
    }

    /**
     * Whether stored limit {@code j} of {@code stored} was written under exactly {@code limit}: by default, under
     * the same period.
     */
    boolean writtenUnder(long[] s, int stored, int j, Limit limit) {
        return s[descriptor(stored, j)] == limit.periodMicros();
    }

    /**
     * Sets the fields of limit {@code i} in {@code to} to a fresh key's at {@code now}: by default the window of
     * {@code now} (its first field, aligned to the period) with every count zero.
     */
    void fresh(long[] to, int i, Limit limit, long now) {
        to[1 + width() * i] = Math.floorDiv(now, limit.periodMicros()) * limit.periodMicros();
    }

    /**
     * Sets the fields of limit {@code i} in {@code to} from stored limit {@code j} of {@code stored} in {@code s},
     * by the algorithm's rule for a limit that changed to {@code limit}.
     */
    abstract void carry(long[] s, int stored, int j, long[] to, int i, Limit limit, long now);

    /** A new state for {@code limits}: fields zero, descriptors set, element 0 left for the caller. */
    final long[] blank(List<Limit> limits) {
        int n = limits.size();
        long[] next = new long[1 + (width() + descriptorWidth()) * n];
        for (int i = 0; i < n; i++) {
            describe(next, n, i, limits.get(i));
        }
        return next;
    }

    /** Offset of stored limit {@code j}'s descriptor in a state of {@code stored} limits. */
    final int descriptor(int stored, int j) {
        return 1 + width() * stored + descriptorWidth() * j;
    }

    @Override
    final long[] align(long[] state, List<Limit> limits, long now) {
        if (state == null) {
            return null;
        }
        int per = width() + descriptorWidth();
        if (state.length < 1 + per || (state.length - 1) % per != 0) {
            return null;
        }
        int stored = (state.length - 1) / per;
        int n = limits.size();
        if (stored == n) {
            boolean same = true;
            for (int i = 0; i < n && same; i++) {
                same = writtenUnder(state, stored, i, limits.get(i));
            }
            if (same) {
                return state;
            }
        }
        int[] from = match(state, stored, limits);
        long[] next = blank(limits);
        for (int i = 0; i < n; i++) {
            if (from[i] < 0) {
                fresh(next, i, limits.get(i), now);
            } else {
                carry(state, stored, from[i], next, i, limits.get(i), now);
            }
        }
        return next;
    }

    /** For each new limit, the stored limit whose slot it takes over, or -1 (see the class comment). */
    private int[] match(long[] s, int stored, List<Limit> limits) {
        int n = limits.size();
        int[] from = new int[n];
        boolean[] taken = new boolean[stored];
        for (int i = 0; i < n; i++) {
            from[i] = -1;
            long period = limits.get(i).periodMicros();
            for (int j = 0; j < stored; j++) {
                if (!taken[j] && s[descriptor(stored, j)] == period) {
                    taken[j] = true;
                    from[i] = j;
                    break;
                }
            }
        }
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (from[i] < 0) {
                while (j < stored && taken[j]) {
                    j++;
                }
                if (j < stored) {
                    taken[j] = true;
                    from[i] = j++;
                }
            }
        }
        return from;
    }
}
