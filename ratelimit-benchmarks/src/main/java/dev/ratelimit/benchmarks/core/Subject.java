package dev.ratelimit.benchmarks.core;

import com.google.common.util.concurrent.RateLimiter;
import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One rate limiter under test, ours or a peer's, behind one method so every benchmark measures the same call:
 * "may this key take one permit now?". Ours returns the {@link dev.ratelimit.Decision} (so its allocation is
 * measured and not optimised away); peers return a cached {@link Boolean}.
 *
 * <p>Per-key peers keep one bucket per key in a {@link ConcurrentHashMap}, looked up with {@code get} and created
 * with {@code computeIfAbsent} on a miss, the way an application would use them. Thread-safe as the underlying
 * limiters are.
 */
abstract class Subject {

    /** Permits per second on the allowed path: far more than two threads can spend, so nothing is denied. */
    static final long ALLOWED_PER_SECOND = 1_000_000_000L;

    abstract Object tryAcquire(String key);

    /**
     * The subject for {@code name} (an {@link Algorithm} name for ours, {@code DENY_CACHE_<algorithm>} for ours
     * with the local deny cache, or {@code BUCKET4J}, {@code GUAVA}, {@code RESILIENCE4J}).
     *
     * @param allowedPath true for limits nothing in a benchmark can exhaust; false for a limit of one permit per
     *     hour, so every call after the first is denied
     */
    static Subject create(String name, boolean allowedPath) {
        switch (name) {
            case "BUCKET4J":
                return perKey(k -> bucket4j(allowedPath));
            case "GUAVA":
                return perKey(k -> guava(allowedPath));
            case "RESILIENCE4J":
                return perKey(k -> resilience4j(allowedPath));
            default:
                boolean denyCache = name.startsWith("DENY_CACHE_");
                Algorithm algorithm = Algorithm.valueOf(denyCache ? name.substring("DENY_CACHE_".length()) : name);
                return ours(algorithm, allowedPath, denyCache);
        }
    }

    /** The limit our limiter uses for {@code algorithm}. */
    static Limit ourLimit(Algorithm algorithm, boolean allowedPath) {
        if (!allowedPath) {
            return Limit.perHour(1);
        }
        // SLIDING_LOG keeps one entry per microsecond with admitted permits and is capped at 100,000 permits: a
        // 1 ms period keeps the hot key's log at most 1,000 entries long.
        return algorithm == Algorithm.SLIDING_LOG
                ? Limit.of(100_000, Duration.ofMillis(1))
                : Limit.perSecond(ALLOWED_PER_SECOND);
    }

    private static Subject ours(Algorithm algorithm, boolean allowedPath, boolean denyCache) {
        dev.ratelimit.RateLimiter.Builder builder = dev.ratelimit.RateLimiter.builder()
                .algorithm(algorithm)
                .limit(ourLimit(algorithm, allowedPath));
        if (denyCache) {
            builder.localDenyCache(10_000);
        }
        dev.ratelimit.RateLimiter limiter = builder.build();
        return new Subject() {
            @Override
            Object tryAcquire(String key) {
                return limiter.tryAcquire(key);
            }
        };
    }

    private static Bucket bucket4j(boolean allowedPath) {
        long capacity = allowedPath ? ALLOWED_PER_SECOND : 1;
        Duration period = allowedPath ? Duration.ofSeconds(1) : Duration.ofHours(1);
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, period).build())
                .build();
    }

    private static RateLimiter guava(boolean allowedPath) {
        return RateLimiter.create(allowedPath ? ALLOWED_PER_SECOND : 1.0 / 3600);
    }

    private static io.github.resilience4j.ratelimiter.RateLimiter resilience4j(boolean allowedPath) {
        RateLimiterConfig config = RateLimiterConfig.custom()
                .limitForPeriod(allowedPath ? (int) ALLOWED_PER_SECOND : 1)
                .limitRefreshPeriod(allowedPath ? Duration.ofSeconds(1) : Duration.ofHours(1))
                .timeoutDuration(Duration.ZERO)
                .build();
        return io.github.resilience4j.ratelimiter.RateLimiter.of("bench", config);
    }

    private static <T> Subject perKey(Function<String, T> factory) {
        ConcurrentHashMap<String, T> map = new ConcurrentHashMap<>();
        T probe = factory.apply("probe");
        if (probe instanceof Bucket) {
            return new Subject() {
                @Override
                Object tryAcquire(String key) {
                    Bucket bucket = (Bucket) lookup(map, key, factory);
                    return bucket.tryConsume(1);
                }
            };
        }
        if (probe instanceof RateLimiter) {
            return new Subject() {
                @Override
                Object tryAcquire(String key) {
                    RateLimiter limiter = (RateLimiter) lookup(map, key, factory);
                    return limiter.tryAcquire();
                }
            };
        }
        return new Subject() {
            @Override
            Object tryAcquire(String key) {
                io.github.resilience4j.ratelimiter.RateLimiter limiter =
                        (io.github.resilience4j.ratelimiter.RateLimiter) lookup(map, key, factory);
                return limiter.acquirePermission();
            }
        };
    }

    private static <T> T lookup(ConcurrentHashMap<String, T> map, String key, Function<String, T> factory) {
        T value = map.get(key);
        return value != null ? value : map.computeIfAbsent(key, factory);
    }
}
