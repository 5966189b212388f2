package dev.ratelimit.micrometer;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.memory.InMemoryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Publishes rate limiter events to a Micrometer {@link MeterRegistry}. Register it as a limiter's listener (with
 * {@link RateLimitListener#composite} next to others if needed); one instance can serve many limiters.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code ratelimit.decisions}</td><td>counter</td>
 *       <td>{@code limiter}, {@code outcome=allowed|denied|error}</td>
 *       <td>every decision; {@code error} when the store failed and the failure policy decided</td></tr>
 *   <tr><td>{@code ratelimit.failure.policy}</td><td>counter</td>
 *       <td>{@code limiter}, {@code outcome=allowed|denied}</td><td>failure-policy activations</td></tr>
 *   <tr><td>{@code ratelimit.store.latency}</td><td>timer</td><td>{@code limiter}</td>
 *       <td>duration of each store call (only measured when a limiter has this listener)</td></tr>
 *   <tr><td>{@code ratelimit.keys}</td><td>gauge</td><td>{@code store}</td>
 *       <td>live keys of an {@link InMemoryStore} bound with {@link #monitorKeys}</td></tr>
 * </table>
 *
 * <p>Keys are never used as tags, so the number of time series is bounded by the number of limiters. Meters are
 * created on a limiter's first event and looked up by its name afterwards, without allocation.
 *
 * <p>Thread-safe: one instance serves any number of limiters and threads.
 */
public final class MicrometerListener implements RateLimitListener {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Meters> meters = new ConcurrentHashMap<>();

    private MicrometerListener(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * A listener publishing to {@code registry}.
     *
     * @param registry where the meters are registered, on each limiter's first event
     * @return a new listener; give the same one to every limiter that should publish to this registry
     * @throws NullPointerException if registry is null
     */
    public static MicrometerListener create(MeterRegistry registry) {
        return new MicrometerListener(Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Publishes {@code store}'s live key count as the gauge {@code ratelimit.keys{store=name}}. The gauge holds
     * the store weakly, as Micrometer gauges do: keep a reference to the store.
     *
     * @param store the in-memory store to watch
     * @param name the value of the {@code store} tag
     * @return this listener, for chaining
     * @throws NullPointerException if store or name is null
     */
    public MicrometerListener monitorKeys(InMemoryStore store, String name) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(name, "name");
        Gauge.builder("ratelimit.keys", store, InMemoryStore::keyCount)
                .tag("store", name)
                .description("Live keys in an in-memory rate limit store")
                .register(registry);
        return this;
    }

    @Override
    public void onAllowed(String limiter, String key, long permits, Decision decision) {
        Meters m = meters(limiter);
        (decision.reason() == Decision.Reason.STORE_UNAVAILABLE ? m.error : m.allowed).increment();
    }

    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        Meters m = meters(limiter);
        (decision.reason() == Decision.Reason.STORE_UNAVAILABLE ? m.error : m.denied).increment();
    }

    @Override
    public void onStoreError(String limiter, String key, Throwable error, Decision decision) {
        Meters m = meters(limiter);
        (decision.allowed() ? m.failOpen : m.failClosed).increment();
    }

    @Override
    public boolean measuresStoreLatency() {
        return true;
    }

    @Override
    public void onStoreLatency(String limiter, long nanos) {
        meters(limiter).latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Removes the limiter's meters from the registry, so a policy removed by a configuration change leaves no meters
     * behind. An event that arrives for the name afterwards (a request in flight, or a new limiter of that name)
     * registers them again, starting from zero.
     */
    @Override
    public void onLimiterRemoved(String limiter) {
        Meters m = meters.remove(limiter);
        if (m != null) {
            m.removeFrom(registry);
        }
    }

    private Meters meters(String limiter) {
        Meters m = meters.get(limiter);
        return m != null ? m : meters.computeIfAbsent(limiter, name -> new Meters(registry, name));
    }

    @Override
    public String toString() {
        return "MicrometerListener{" + registry.getClass().getSimpleName() + '}';
    }

    private static final class Meters {
        final Counter allowed;
        final Counter denied;
        final Counter error;
        final Counter failOpen;
        final Counter failClosed;
        final Timer latency;

        Meters(MeterRegistry registry, String limiter) {
            allowed = decisions(registry, limiter, "allowed");
            denied = decisions(registry, limiter, "denied");
            error = decisions(registry, limiter, "error");
            failOpen = failures(registry, limiter, "allowed");
            failClosed = failures(registry, limiter, "denied");
            latency = Timer.builder("ratelimit.store.latency").tag("limiter", limiter)
                    .description("Duration of rate limit store calls").register(registry);
        }

        void removeFrom(MeterRegistry registry) {
            for (io.micrometer.core.instrument.Meter meter
                    : java.util.List.of(allowed, denied, error, failOpen, failClosed, latency)) {
                registry.remove(meter);
            }
        }

        private static Counter decisions(MeterRegistry registry, String limiter, String outcome) {
            return Counter.builder("ratelimit.decisions").tag("limiter", limiter).tag("outcome", outcome)
                    .description("Rate limit decisions").register(registry);
        }

        private static Counter failures(MeterRegistry registry, String limiter, String outcome) {
            return Counter.builder("ratelimit.failure.policy").tag("limiter", limiter).tag("outcome", outcome)
                    .description("Decisions made by the failure policy because the store failed")
                    .register(registry);
        }
    }
}
