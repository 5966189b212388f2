package dev.ratelimit.lambda;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.TimeSource;
import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Rate-limit metrics for CloudWatch in the Embedded Metric Format (EMF): JSON log lines that CloudWatch Logs turns
 * into metrics as it ingests a function's log, with no {@code PutMetricData} call, no extra dependency and no time
 * added to an invocation. Alarms on them need no code (see the example's SAM template).
 *
 * <table>
 *   <caption>Metrics (namespace {@code RateLimit} unless configured)</caption>
 *   <tr><th>metric</th><th>dimensions</th><th>what</th></tr>
 *   <tr><td>{@code ratelimit.requests}</td><td>{@code outcome=allowed|throttled|rejected}</td>
 *       <td>requests through a {@link LambdaRateLimit} handler: passed to the handler, answered 429, answered 401
 *       (a missing key or a key on no plan)</td></tr>
 *   <tr><td>{@code ratelimit.decisions}</td><td>{@code limiter, outcome=allowed|denied|error}, and {@code outcome}
 *       alone</td><td>decisions of each policy's limiter ({@code http:POLICY} or {@code http:POLICY:PLAN}),
 *       shadow policies included; {@code error} when the store failed and the failure policy decided</td></tr>
 * </table>
 *
 * <p>Counts are kept in memory and written by {@link #flush()}, which the handlers call at the end of every
 * invocation: one line per metric and dimension value that changed, so an invocation writes two or three lines
 * (about 300 bytes each), never one per decision. Keys are never dimensions, so the number of metrics is bounded by
 * the number of policies and plans.
 *
 * <p><b>Why stdout.</b> EMF is read from the function's log, and a Lambda function's stdout is its CloudWatch Logs
 * stream. Each line must be the JSON document alone: an SLF4J binding would put a timestamp, level or logger name in
 * front of it (or drop it by level), and CloudWatch would not read it. So these lines, and only these, go to
 * {@code System.out} by default (or to the consumer given to {@link #create(String, Consumer, TimeSource)}); the
 * library writes nothing else there and logs through SLF4J otherwise. The Micrometer CloudWatch registry was not
 * chosen: it calls {@code PutMetricData} over the network (time and cost per call, and a frozen execution
 * environment may never send its last batch) and brings the AWS CloudWatch SDK into every function.
 *
 * <p>Thread-safe: counting is lock-free; concurrent flushes write each count once.
 */
public final class EmbeddedMetrics implements RateLimitListener {

    /** The namespace used when none is configured. */
    public static final String DEFAULT_NAMESPACE = "RateLimit";

    private static final String[] DECISION_OUTCOMES = {"allowed", "denied", "error"};
    private static final String[] REQUEST_OUTCOMES = {"allowed", "throttled", "rejected"};

    private final String namespace;
    private final Consumer<String> output;
    private final TimeSource time;
    private final Map<String, LongAdder[]> decisions = new ConcurrentHashMap<>();
    private final LongAdder[] requests = adders();

    private EmbeddedMetrics(String namespace, Consumer<String> output, TimeSource time) {
        this.namespace = namespace;
        this.output = output;
        this.time = time;
    }

    /**
     * Metrics in namespace {@code RateLimit}, written to {@code System.out}, stamped with the system clock.
     *
     * @return the listener
     */
    public static EmbeddedMetrics create() {
        PrintStream out = System.out;
        return create(DEFAULT_NAMESPACE, out::println, TimeSource.system());
    }

    /**
     * Metrics in {@code namespace}, each line passed to {@code output}, stamped with {@code time}.
     *
     * @param namespace the CloudWatch namespace: 1 to 255 characters, none of them a control character
     * @param output receives each EMF line, without a line terminator; called on the thread that flushes
     * @param time the clock of the lines' {@code Timestamp}
     * @return the listener
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the namespace is empty, longer than 255 characters or has a control
     *     character
     */
    public static EmbeddedMetrics create(String namespace, Consumer<String> output, TimeSource time) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(time, "time");
        if (namespace.isEmpty() || namespace.length() > 255 || namespace.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("namespace must be 1 to 255 characters without control characters"
                    + " but was \"" + namespace + "\"");
        }
        return new EmbeddedMetrics(namespace, output, time);
    }

    /**
     * The CloudWatch namespace of the metrics.
     *
     * @return the namespace
     */
    public String namespace() {
        return namespace;
    }

    /**
     * Counts an allowed decision ({@code error} if the store failed and the failure policy allowed).
     *
     * @param limiter the limiter's name
     * @param key the key (not used: keys are never dimensions)
     * @param permits the permits
     * @param decision the decision
     */
    @Override
    public void onAllowed(String limiter, String key, long permits, Decision decision) {
        counts(limiter)[decision.reason() == Decision.Reason.STORE_UNAVAILABLE ? 2 : 0].increment();
    }

    /**
     * Counts a denied decision ({@code error} if the store failed and the failure policy denied).
     *
     * @param limiter the limiter's name
     * @param key the key (not used: keys are never dimensions)
     * @param permits the permits
     * @param decision the decision
     */
    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        counts(limiter)[decision.reason() == Decision.Reason.STORE_UNAVAILABLE ? 2 : 1].increment();
    }

    /** Counts one request by what the handler answered: passed on, 429, or another rejection (401). */
    void request(boolean proceeded, int rejectionStatus) {
        requests[proceeded ? 0 : rejectionStatus == 429 ? 1 : 2].increment();
    }

    /**
     * Writes every count gathered since the last flush as EMF lines and resets it; writes nothing when nothing was
     * counted. The handlers of {@link LambdaRateLimit} call it at the end of each invocation, before the execution
     * environment may be frozen.
     */
    public void flush() {
        long millis = Math.floorDiv(time.nowMicros(), 1000L);
        for (int i = 0; i < REQUEST_OUTCOMES.length; i++) {
            long n = requests[i].sumThenReset();
            if (n > 0) {
                output.accept(line(millis, "ratelimit.requests", "[[\"outcome\"]]", null, REQUEST_OUTCOMES[i], n));
            }
        }
        for (Map.Entry<String, LongAdder[]> e : decisions.entrySet()) {
            for (int i = 0; i < DECISION_OUTCOMES.length; i++) {
                long n = e.getValue()[i].sumThenReset();
                if (n > 0) {
                    output.accept(line(millis, "ratelimit.decisions", "[[\"limiter\",\"outcome\"],[\"outcome\"]]",
                            e.getKey(), DECISION_OUTCOMES[i], n));
                }
            }
        }
    }

    private String line(long millis, String metric, String dimensions, String limiter, String outcome, long value) {
        StringBuilder b = new StringBuilder(320);
        b.append("{\"_aws\":{\"Timestamp\":").append(millis)
                .append(",\"CloudWatchMetrics\":[{\"Namespace\":");
        Json.string(b, namespace);
        b.append(",\"Dimensions\":").append(dimensions)
                .append(",\"Metrics\":[{\"Name\":\"").append(metric).append("\",\"Unit\":\"Count\"}]}]}");
        if (limiter != null) {
            b.append(",\"limiter\":");
            Json.string(b, limiter);
        }
        b.append(",\"outcome\":\"").append(outcome).append("\",\"").append(metric).append("\":").append(value)
                .append('}');
        return b.toString();
    }

    private LongAdder[] counts(String limiter) {
        LongAdder[] c = decisions.get(limiter);
        return c != null ? c : decisions.computeIfAbsent(limiter, name -> adders());
    }

    private static LongAdder[] adders() {
        return new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()};
    }

    @Override
    public String toString() {
        return "EmbeddedMetrics{namespace=" + namespace + '}';
    }
}
