package dev.ratelimit.dynamodb;

import dev.ratelimit.Limit;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Token bucket (GCRA) in one conditional UpdateItem.
 *
 * <h2>Attributes, per limit {@code i}</h2>
 * <pre>
 *   t{i}  N  the theoretical arrival time, exactly, in units of 1/d microseconds: TAT x d
 *   d{i}  N  d, the unit t{i} was written in (absent in items of earlier releases: read as this limit's d)
 * </pre>
 * where the emission interval is {@code I = n / d} microseconds, reduced ({@link Limit#intervalNumerator()}). The
 * reference keeps the TAT as whole microseconds plus a remainder in 1/d; one scaled integer holds both, and
 * DynamoDB's 38-digit numbers hold it exactly (at most about 2<sup>104</sup>).
 *
 * <h2>Two forms, no read</h2>
 * GCRA needs {@code TAT' = max(TAT, now) + k n}; an update expression has no {@code max}, so each limit takes one
 * of two forms, with {@code N = now x d}:
 * <pre>
 *   fresh: SET t = N + k n   IF attribute_not_exists(t) OR t &lt; N           (bucket full: TAT in the past)
 *   hot:   SET t = t + k n   IF t BETWEEN N AND N + (capacity - k) n         (bucket not full, room for k)
 * </pre>
 * Each condition holds exactly when its form is the right one and the reference allows the request, so the
 * condition, not the guess, guarantees correctness. The binding picks the form from the TAT it last saw for the
 * key (cached per key); a wrong pick fails the condition, the failure's {@code ALL_OLD} shows the item, and the
 * decision is either a denial (no further request) or one retry with the right form.
 *
 * <h2>Changed limits</h2>
 * <pre>
 *   p{i}, q{i}, b{i}  N  the period (us), permits and capacity limit i was written under
 * </pre>
 * Both forms above also require {@code attribute_not_exists(t{i}) OR (p{i}, q{i}, b{i})} to be this limit's, and
 * {@code attribute_not_exists(t{n})} (no limit beyond these), so they apply only to an item written under exactly
 * these limits. Any other item fails them ({@link #raw} marks it), and the binding writes the whole item: it
 * decodes each stored limit's TAT in that limit's own unit {@code d{i}}, and the reference transition matches the
 * stored limits to these and converts each deficit ({@link dev.ratelimit.spi.StateTransition}). An item of an
 * earlier release has no {@code p{i}}: its {@code t{i}} is read as written under limit {@code i} of these limits,
 * converted to its unit by {@code ceil(t x d / d_old)} (rounding the TAT later, never earlier), so the time until
 * the bucket is full carries over, as that release specified.
 *
 * <p>The TTL written is an upper bound, {@code now + capacity x I}: the actual TAT is not known before the write,
 * and expiring late is harmless where expiring early would not be.
 */
final class TokenBucketLayout extends ItemLayout {

    TokenBucketLayout(List<Limit> limits) {
        super(limits);
    }

    static String tat(int i) {
        return "t" + i;
    }

    static String unit(int i) {
        return "d" + i;
    }

    static String permits(int i) {
        return "q" + i;
    }

    static String capacity(int i) {
        return "b" + i;
    }

    /** Per-limit fields ({@code tat, remainder}) and descriptor numbers (period, permits, capacity). */
    private static final int WIDTH = 2;
    private static final int DESCRIBED = 3;

    private int inLayout() {
        return 1 + (WIDTH + DESCRIBED) * limits.size();
    }

    /** Whether stored limit {@code j} of the item was written under exactly {@code limit}. */
    private static boolean writtenUnder(Map<String, AttributeValue> item, int j, Limit limit) {
        return BadItem.number(FixedWindowLayout.period(j), item.get(FixedWindowLayout.period(j)), 0)
                    == limit.periodMicros()
                && BadItem.number(permits(j), item.get(permits(j)), 0) == limit.permits()
                && BadItem.number(capacity(j), item.get(capacity(j)), 0) == limit.capacity();
    }

    /** {@code d{i}} of the item, or this limit's denominator if the item (of an earlier release) has none. */
    private long writtenUnit(Map<String, AttributeValue> item, int i) {
        long d = limits.get(i).intervalDenominator();
        long written = BadItem.number(unit(i), item.get(unit(i)), d);
        if (written < 1) {
            throw new BadItem(unit(i), "is not a positive unit: " + written);
        }
        return written;
    }

    /**
     * Null if the item holds exactly these limits' TATs, each written under its limit; otherwise (limits added,
     * removed or changed) an empty array, which makes the binding write the whole item once rather than a form
     * the item would fail.
     */
    @Override
    long[] raw(Map<String, AttributeValue> item) {
        if (storedLimits(item, 't') != limits.size()) {
            return new long[0];
        }
        for (int i = 0; i < limits.size(); i++) {
            if (item.containsKey(tat(i)) && !writtenUnder(item, i, limits.get(i))) {
                return new long[0];
            }
        }
        return null;
    }

    /**
     * The reference state of the limits that wrote the item: each stored limit's TAT in its own unit, described by
     * its own period, permits and capacity; for an item of an earlier release, as written under these limits.
     */
    @Override
    long[] decode(Map<String, AttributeValue> item) {
        int stored = storedLimits(item, 't');
        if (stored == 0) {
            return null;
        }
        long[] s = new long[1 + (WIDTH + DESCRIBED) * stored];
        for (int j = 0; j < stored; j++) {
            int d = 1 + WIDTH * stored + DESCRIBED * j;
            boolean described = item.containsKey(FixedWindowLayout.period(j));
            Limit these = j < limits.size() ? limits.get(j) : null;
            if (described) {
                s[d] = BadItem.number(FixedWindowLayout.period(j), item.get(FixedWindowLayout.period(j)));
                s[d + 1] = BadItem.number(permits(j), item.get(permits(j)));
                s[d + 2] = BadItem.number(capacity(j), item.get(capacity(j)));
                if (s[d] < 1 || s[d + 1] < 1 || s[d + 2] < 1) {
                    throw new BadItem(FixedWindowLayout.period(j), "describes no limit: " + s[d] + "us, "
                            + s[d + 1] + " permits, capacity " + s[d + 2]);
                }
            } else if (these != null) {
                s[d] = these.periodMicros();
                s[d + 1] = these.permits();
                s[d + 2] = these.capacity();
            }
            AttributeValue t = item.get(tat(j));
            if (t == null) {
                s[1 + WIDTH * j] = Long.MIN_VALUE;
                continue;
            }
            if (t.n() == null) {
                throw new BadItem(tat(j), "is not a Number but " + BadItem.describe(t));
            }
            long written = BadItem.number(unit(j), item.get(unit(j)),
                    these != null ? these.intervalDenominator() : 1);
            if (written < 1) {
                throw new BadItem(unit(j), "is not a positive unit: " + written);
            }
            try {
                BigInteger scaled = new BigInteger(t.n());
                long unit = written;
                if (!described && these != null && written != these.intervalDenominator()) {
                    // An earlier release's rule: ceil(t x d / written), the same TAT in this limit's unit.
                    unit = these.intervalDenominator();
                    BigInteger[] converted = scaled.multiply(BigInteger.valueOf(unit))
                            .divideAndRemainder(BigInteger.valueOf(written));
                    scaled = converted[1].signum() > 0 ? converted[0].add(BigInteger.ONE) : converted[0];
                }
                BigInteger[] qr = scaled.divideAndRemainder(BigInteger.valueOf(unit));
                if (qr[1].signum() < 0) {
                    qr[0] = qr[0].subtract(BigInteger.ONE);
                    qr[1] = qr[1].add(BigInteger.valueOf(unit));
                }
                s[1 + WIDTH * j] = qr[0].longValueExact();
                s[2 + WIDTH * j] = qr[1].longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new BadItem(tat(j), "is not a whole number in the range the store writes: '" + t.n() + "'");
            }
        }
        s[0] = ttlMicros(item);
        return s;
    }

    @Override
    void encode(long[] state, Map<String, AttributeValue> item) {
        for (int i = 0; i < limits.size(); i++) {
            BigInteger scaled = BigInteger.valueOf(state[1 + 2 * i])
                    .multiply(BigInteger.valueOf(limits.get(i).intervalDenominator()))
                    .add(BigInteger.valueOf(state[2 + 2 * i]));
            item.put(tat(i), AttributeValue.fromN(scaled.toString()));
            item.put(unit(i), AttributeValue.fromN(Long.toString(limits.get(i).intervalDenominator())));
            item.put(FixedWindowLayout.period(i), AttributeValue.fromN(Long.toString(limits.get(i).periodMicros())));
            item.put(permits(i), AttributeValue.fromN(Long.toString(limits.get(i).permits())));
            item.put(capacity(i), AttributeValue.fromN(Long.toString(limits.get(i).capacity())));
        }
    }

    @Override
    boolean hasFastPath() {
        return true;
    }

    @Override
    FastUpdate fastUpdate(Known known, long permits, long now, String token) {
        Expression e = new Expression();
        long fullAt = now;
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            BigInteger numerator = BigInteger.valueOf(limit.intervalNumerator());
            BigInteger scaledNow = BigInteger.valueOf(now).multiply(BigInteger.valueOf(limit.intervalDenominator()));
            BigInteger spend = numerator.multiply(BigInteger.valueOf(permits));
            String t = e.name(tat(i));
            long[] s = known == null ? null : known.state();
            boolean hot = s != null && s.length == inLayout() && s[1 + WIDTH * i] != Long.MIN_VALUE
                    && s[1 + WIDTH * i] >= now;
            if (hot) {
                BigInteger highest = scaledNow.add(numerator.multiply(BigInteger.valueOf(limit.capacity() - permits)));
                e.require(t + " BETWEEN " + e.number(scaledNow) + " AND " + e.number(highest));
                e.set(t + " = " + t + " + " + e.number(spend));
            } else {
                String lowest = e.number(scaledNow);
                e.require("attribute_not_exists(" + t + ") OR " + t + " < " + lowest);
                e.set(t + " = " + e.number(scaledNow.add(spend)));
            }
            String p = e.name(FixedWindowLayout.period(i));
            String q = e.name(permits(i));
            String b = e.name(capacity(i));
            String pValue = e.number(limit.periodMicros());
            String qValue = e.number(limit.permits());
            String bValue = e.number(limit.capacity());
            e.require("attribute_not_exists(" + t + ") OR (" + p + " = " + pValue + " AND " + q + " = " + qValue
                    + " AND " + b + " = " + bValue + ")");
            e.set(p + " = " + pValue);
            e.set(q + " = " + qValue);
            e.set(b + " = " + bValue);
            e.set(e.name(unit(i)) + " = " + e.number(limit.intervalDenominator()));
            // An empty bucket is full again after capacity x I; the written TAT is never later than that.
            long emptyToFull = -Math.floorDiv(-limit.capacity() * limit.intervalNumerator(),
                    limit.intervalDenominator());
            fullAt = Math.max(fullAt, now + emptyToFull);
        }
        e.require("attribute_not_exists(" + e.name(tat(limits.size())) + ")");
        e.set(e.name(TTL) + " = " + e.number(ttlSeconds(fullAt)));
        e.set(e.name(VERSION) + " = " + e.number(token));
        return new FastUpdate(e, List.of());
    }
}
