package dev.ratelimit.http;

import dev.ratelimit.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named set of limits that a client's key is assigned to, such as {@code basic} (100 requests per second and
 * 10,000 per day) or {@code premium}. A {@link Policy} built with {@link Policy.Builder#limitsFromPlans()} applies
 * the limits of the plan its key belongs to; see {@link Plans}.
 *
 * <p>Immutable and thread-safe; equal when name and limits are equal.
 */
public final class Plan {

    private final String name;
    private final List<Limit> limits;

    private Plan(String name, List<Limit> limits) {
        this.name = name;
        this.limits = limits;
    }

    /**
     * A plan; every limit must allow a request.
     *
     * @param name 1 to 40 characters of {@code A-Z a-z 0-9 _ -}
     * @param limits the limits, each of which must allow a request
     * @return the plan
     * @throws IllegalArgumentException if the name is invalid, no limit is given or a limit is repeated
     */
    public static Plan of(String name, Limit... limits) {
        Objects.requireNonNull(limits, "limits");
        return of(name, List.of(limits));
    }

    /**
     * As {@link #of(String, Limit...)}.
     *
     * @param name 1 to 40 characters of {@code A-Z a-z 0-9 _ -}
     * @param limits the limits, each of which must allow a request
     * @return the plan
     */
    public static Plan of(String name, List<Limit> limits) {
        Names.check("plan name", name);
        Objects.requireNonNull(limits, "limits");
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("plan " + name + " needs at least one limit");
        }
        List<Limit> copy = new ArrayList<>();
        for (Limit limit : limits) {
            Objects.requireNonNull(limit, "limit");
            if (copy.contains(limit)) {
                throw new IllegalArgumentException("plan " + name + " repeats the limit " + limit);
            }
            copy.add(limit);
        }
        return new Plan(name, List.copyOf(copy));
    }

    /** {@return the plan's name} */
    public String name() {
        return name;
    }

    /** {@return the limits, in the order given} */
    public List<Limit> limits() {
        return limits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Plan p && name.equals(p.name) && limits.equals(p.limits);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + limits.hashCode();
    }

    @Override
    public String toString() {
        return "Plan{" + name + ", limits=" + limits + '}';
    }
}
