package dev.ratelimit.dynamodb;

import dev.ratelimit.TimeSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * DynamoDB's time, as seen from one process: a local clock plus an offset estimated from the HTTP {@code Date}
 * header of the service's responses.
 *
 * <h2>How the offset is estimated</h2>
 * A {@code Date} has whole seconds and is stamped by the service at some moment between sending the request
 * (local time {@code s}) and receiving the response (local time {@code r}). So the true offset {@code service -
 * local} lies in
 * <pre>
 *   [ Date - r ,  Date + 1 s - s )
 * </pre>
 * The clock keeps the intersection of these intervals over all responses, and uses its midpoint. The first
 * response gives an interval one second plus one round trip wide; responses landing at other sub-second phases
 * narrow it (to tens of milliseconds after a few hundred responses; never below one round trip). So the store's
 * time is within half the interval's width of the service's clock: at most {@code 0.5 s + RTT/2} after the first
 * response. Two instances therefore disagree by at most {@code 1 s + RTT}, whatever their local clocks say.
 *
 * <p>Local and service clocks drift apart (crystals differ by up to a few hundred ppm), so the interval is
 * widened by {@value #DRIFT_PPM} ppm of the local time elapsed since it was last narrowed before each new
 * response is intersected with it. A response whose interval does not meet the widened one is a conflict (a
 * local clock that was stepped, a drift beyond the allowance, or one odd {@code Date} from a proxy); after
 * {@value #CONFLICTS} conflicts in a row the latest response replaces the estimate, so a single odd {@code Date}
 * cannot move the store's time (and, time never running backwards, freeze it afterwards).
 *
 * <h2>Never backwards</h2>
 * The time returned never decreases: if the offset moves down (the estimate narrowed onto a lower midpoint, or
 * the local clock stepped forward and the next response corrects for it), the clock stands still until it has
 * caught up, so a key never sees time go back because the estimate moved. Standing still grants no permits.
 *
 * <p>Until the first response there is no estimate; {@link #anchored()} says so, and the store makes a request
 * before its first decision. A service that sends no {@code Date} leaves the clock on local time (logged once).
 *
 * <p>Thread-safe and lock-free: the estimate is an immutable value swapped by compare-and-set.
 */
final class ServiceClock {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStore.class);

    static final long DRIFT_PPM = 200;
    static final int CONFLICTS = 3;
    private static final long SECOND = 1_000_000L;
    /** An update narrower than this (micros) is not worth a new estimate. */
    private static final long MIN_CHANGE = 1_000L;

    private final TimeSource local;
    private final AtomicReference<Estimate> estimate = new AtomicReference<>();
    private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
    private volatile ParsedDate lastDate;

    ServiceClock(TimeSource local) {
        this.local = local;
    }

    /** The local clock, read around each request. */
    long localMicros() {
        return local.nowMicros();
    }

    /** Whether at least one response has been seen (or the service was found to send no Date). */
    boolean anchored() {
        return estimate.get() != null;
    }

    /** The service's time now, in microseconds since the epoch; never less than a value returned before. */
    long nowMicros() {
        Estimate e = estimate.get();
        long t = local.nowMicros() + (e == null ? 0 : e.offset());
        long prev = last.get();
        while (t > prev) {
            if (last.compareAndSet(prev, t)) {
                return t;
            }
            prev = last.get();
        }
        return prev;
    }

    /** The current offset estimate (service minus local, micros) and its width; for tests and toString. */
    long[] offsetAndWidth() {
        Estimate e = estimate.get();
        return e == null ? null : new long[] {e.offset(), e.hi - e.lo};
    }

    /** Learns from a response (or a service error carrying one) to a request sent and answered at these times. */
    void observe(long sentLocal, long receivedLocal, Object responseOrError) {
        SdkHttpResponse http = httpOf(responseOrError);
        if (http == null) {
            return;
        }
        String date = http.firstMatchingHeader("Date").orElse(null);
        if (date == null) {
            if (estimate.compareAndSet(null, Estimate.LOCAL)) {
                LOG.warn("DynamoDB responses carry no Date header (a proxy removing it?): the store keeps local time,"
                        + " so instances with skewed clocks disagree; set callerTime() to say so explicitly");
            }
            return;
        }
        long dateMicros = parse(date);
        if (dateMicros == Long.MIN_VALUE) {
            return;
        }
        sample(sentLocal, receivedLocal, dateMicros);
    }

    void sample(long sentLocal, long receivedLocal, long dateMicros) {
        long lo = dateMicros - receivedLocal;
        long hi = dateMicros + SECOND - sentLocal;
        for (int attempt = 0; attempt < 4; attempt++) {
            Estimate current = estimate.get();
            Estimate next;
            if (current == null || current == Estimate.LOCAL) {
                next = new Estimate(lo, hi, receivedLocal, 0);
            } else {
                long widen = Math.max(0, receivedLocal - current.at) / SECOND * DRIFT_PPM
                        + Math.max(0, receivedLocal - current.at) % SECOND * DRIFT_PPM / SECOND;
                long nLo = Math.max(current.lo - widen, lo);
                long nHi = Math.min(current.hi + widen, hi);
                if (nLo > nHi) {
                    next = current.conflicts + 1 >= CONFLICTS ? new Estimate(lo, hi, receivedLocal, 0)
                            : new Estimate(current.lo, current.hi, current.at, current.conflicts + 1);
                } else if (current.conflicts == 0 && Math.abs(nLo - current.lo) < MIN_CHANGE
                        && Math.abs(nHi - current.hi) < MIN_CHANGE) {
                    return;
                } else {
                    next = new Estimate(nLo, nHi, receivedLocal, 0);
                }
            }
            if (estimate.compareAndSet(current, next)) {
                return;
            }
        }
    }

    private long parse(String date) {
        ParsedDate cached = lastDate;
        if (cached != null && cached.text.equals(date)) {
            return cached.micros;
        }
        try {
            long micros = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond() * SECOND;
            lastDate = new ParsedDate(date, micros);
            return micros;
        } catch (DateTimeParseException e) {
            LOG.debug("ignoring an unparsable Date header '{}' from DynamoDB", date);
            return Long.MIN_VALUE;
        }
    }

    private static SdkHttpResponse httpOf(Object responseOrError) {
        if (responseOrError instanceof software.amazon.awssdk.core.SdkResponse response) {
            return response.sdkHttpResponse();
        }
        if (responseOrError instanceof AwsServiceException e && e.awsErrorDetails() != null) {
            return e.awsErrorDetails().sdkHttpResponse();
        }
        return null;
    }

    @Override
    public String toString() {
        Estimate e = estimate.get();
        return "service time (local clock " + local + (e == null ? ", not yet anchored)"
                : ", offset " + e.offset() + " us +- " + (e.hi - e.lo) / 2 + " us)");
    }

    private record ParsedDate(String text, long micros) {
    }

    /**
     * The offset lies in [lo, hi] (micros), as last narrowed at local time {@code at}; {@code conflicts} responses
     * in a row have disagreed with it since.
     */
    private record Estimate(long lo, long hi, long at, int conflicts) {
        static final Estimate LOCAL = new Estimate(0, 0, Long.MIN_VALUE, 0);

        long offset() {
            return lo + (hi - lo) / 2;
        }
    }
}
