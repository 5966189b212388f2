package dev.ratelimit.micrometer;

import dev.ratelimit.http.ConfigStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Publishes how an HTTP engine's configuration source is doing ({@code RateLimitEngine.configStatus()}) to Micrometer:
 * which version is in force, and how many changed configurations were refused or could not be read. With a shared
 * configuration (a Redis key or DynamoDB item of {@code ratelimit-config}) these show a fleet that did not take a
 * publish: a version gauge that differs between instances, or an error counter that went up.
 *
 * <pre>{@code
 * ConfigStatusMeters.of(engine::configStatus).bindTo(registry);   // servlet filter: filter.engine()::configStatus
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code ratelimit.config.version}</td><td>gauge</td><td>{@code source}</td>
 *       <td>the version in force, as a number (a shared configuration counts 1, 2, 3, ...); NaN when the version is
 *       not a number (a configuration file's version is a digest of its content, a configuration given in code has
 *       none)</td></tr>
 *   <tr><td>{@code ratelimit.config.errors}</td><td>function counter</td>
 *       <td>{@code source}, {@code reason=rejected|unreadable}</td>
 *       <td>{@code rejected}: changed texts that were invalid and not put in force (each bad text once, however
 *       often it is read); {@code unreadable}: reads of the source that failed (unreachable store, missing item)</td>
 *       </tr>
 * </table>
 * {@code source} is the status's source when the meters are bound, such as {@code redis key ratelimit:config}. The
 * meters read the status when the registry asks (on each scrape or publish), never on a request's path.
 *
 * <p>Thread-safe: the status supplier must be (the engine's is). {@link #bindTo} may be called for several
 * registries; {@link #close()} removes the meters from each.
 */
public final class ConfigStatusMeters implements MeterBinder, AutoCloseable {

    private final Supplier<ConfigStatus> status;
    private final List<Registered> registered = new ArrayList<>();

    private record Registered(MeterRegistry registry, List<Meter> meters) {
    }

    private ConfigStatusMeters(Supplier<ConfigStatus> status) {
        this.status = status;
    }

    /**
     * Meters of the status {@code status} returns.
     *
     * @param status the engine's status, such as {@code engine::configStatus}; called on each read of a meter
     * @return meters to {@linkplain #bindTo bind} to a registry
     * @throws NullPointerException if status is null
     */
    public static ConfigStatusMeters of(Supplier<ConfigStatus> status) {
        return new ConfigStatusMeters(Objects.requireNonNull(status, "status"));
    }

    /**
     * Registers the meters in {@code registry}, tagged with the current status's source.
     *
     * @param registry the registry
     * @throws NullPointerException if registry is null, or the supplier returns null
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        String source = Objects.requireNonNull(status.get(), "the status supplier returned null").source();
        List<Meter> meters = List.of(
                Gauge.builder("ratelimit.config.version", status, s -> version(s.get()))
                        .tag("source", source).strongReference(true)
                        .description("The version of the rate-limit configuration in force").register(registry),
                FunctionCounter.builder("ratelimit.config.errors", status, s -> s.get().rejected())
                        .tag("source", source).tag("reason", "rejected")
                        .description("Changed rate-limit configurations refused as invalid").register(registry),
                FunctionCounter.builder("ratelimit.config.errors", status, s -> s.get().readFailures())
                        .tag("source", source).tag("reason", "unreadable")
                        .description("Reads of the rate-limit configuration source that failed").register(registry));
        synchronized (registered) {
            registered.add(new Registered(registry, meters));
        }
    }

    /** Removes the meters from every registry they were bound to. */
    @Override
    public void close() {
        synchronized (registered) {
            for (Registered r : registered) {
                for (Meter meter : r.meters()) {
                    r.registry().remove(meter);
                }
            }
            registered.clear();
        }
    }

    private static double version(ConfigStatus status) {
        try {
            return Long.parseLong(status.version());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @Override
    public String toString() {
        return "ConfigStatusMeters{" + status.get().source() + '}';
    }
}
