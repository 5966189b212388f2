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
 * A limit whose rate changed has another {@code d}: {@code t{i}} written under the old one is read by converting it,
 * {@code ceil(t x d / d_old)} (rounding the TAT later, never earlier), so the time until the bucket is full
 * carries over as the reference specifies. Both forms above also require {@code d{i}} to be this limit's
 * {@code d} (or absent); an item written under another {@code d} fails them, and the binding then writes the
 * whole item in its own unit ({@link #raw} marks such an item).
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
     * Null if every {@code t{i}} of the item is in this layout's unit; otherwise an empty array, which makes the
     * binding write the whole item rather than a form the item's {@code d{i}} would fail.
     */
    @Override
    long[] raw(Map<String, AttributeValue> item) {
        for (int i = 0; i < limits.size(); i++) {
            if (item.containsKey(tat(i)) && writtenUnit(item, i) != limits.get(i).intervalDenominator()) {
                return new long[0];
            }
        }
        return null;
    }

    @Override
    long[] decode(Map<String, AttributeValue> item) {
        long[] s = new long[1 + 2 * limits.size()];
        boolean any = false;
        for (int i = 0; i < limits.size(); i++) {
            AttributeValue t = item.get(tat(i));
            if (t == null) {
                s[1 + 2 * i] = Long.MIN_VALUE;
                continue;
            }
            if (t.n() == null) {
                throw new BadItem(tat(i), "is not a Number but " + BadItem.describe(t));
            }
            any = true;
            long written = writtenUnit(item, i);
            try {
                BigInteger scaled = new BigInteger(t.n());
                long d = limits.get(i).intervalDenominator();
                if (written != d) {
                    // ceil(t x d / written): the same TAT in this limit's unit, rounded later.
                    BigInteger[] converted = scaled.multiply(BigInteger.valueOf(d))
                            .divideAndRemainder(BigInteger.valueOf(written));
                    scaled = converted[1].signum() > 0 ? converted[0].add(BigInteger.ONE) : converted[0];
                }
                BigInteger[] qr = scaled.divideAndRemainder(
                        BigInteger.valueOf(limits.get(i).intervalDenominator()));
                if (qr[1].signum() < 0) {
                    qr[0] = qr[0].subtract(BigInteger.ONE);
                    qr[1] = qr[1].add(BigInteger.valueOf(limits.get(i).intervalDenominator()));
                }
                s[1 + 2 * i] = qr[0].longValueExact();
                s[2 + 2 * i] = qr[1].longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new BadItem(tat(i), "is not a whole number in the range the store writes: '" + t.n() + "'");
            }
        }
        if (!any) {
            return null;
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
            boolean hot = s != null && s.length == 1 + 2 * limits.size() && s[1 + 2 * i] != Long.MIN_VALUE
                    && s[1 + 2 * i] >= now;
            if (hot) {
                BigInteger highest = scaledNow.add(numerator.multiply(BigInteger.valueOf(limit.capacity() - permits)));
                e.require(t + " BETWEEN " + e.number(scaledNow) + " AND " + e.number(highest));
                e.set(t + " = " + t + " + " + e.number(spend));
            } else {
                String lowest = e.number(scaledNow);
                e.require("attribute_not_exists(" + t + ") OR " + t + " < " + lowest);
                e.set(t + " = " + e.number(scaledNow.add(spend)));
            }
            String d = e.name(unit(i));
            String dValue = e.number(limit.intervalDenominator());
            e.require("attribute_not_exists(" + d + ") OR " + d + " = " + dValue);
            e.set(d + " = " + dValue);
            // An empty bucket is full again after capacity x I; the written TAT is never later than that.
            long emptyToFull = -Math.floorDiv(-limit.capacity() * limit.intervalNumerator(),
                    limit.intervalDenominator());
            fullAt = Math.max(fullAt, now + emptyToFull);
        }
        e.set(e.name(TTL) + " = " + e.number(ttlSeconds(fullAt)));
        e.set(e.name(VERSION) + " = " + e.number(token));
        return new FastUpdate(e, List.of());
    }
}
