package dev.ratelimit.spring;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every ratelimit.* property the starter reads, as a tree that IDEs complete and document: Spring Boot's
 * configuration processor turns this record into META-INF/spring-configuration-metadata.json.
 *
 * <p>Spring never binds this record. The engine's keys are read from the Environment as they are and parsed
 * by the engine (dev.ratelimit.http.RateLimitConfig), with the same rules, defaults and error messages as
 * the servlet filter's properties file (see CONFIG.md); this record only names them. The starter's own keys
 * (enabled, store, filter, dynamodb, config and its settings) are read by its auto-configuration. Spring's
 * relaxed names apply: refund-on-status and refundOnStatus are one key; policy and plan names are
 * kept as written.
 *
 * <p>Immutable and thread-safe.
 *
 * @param enabled starter: whether the starter configures rate limiting at all (it also needs policies)
 * @param store starter: where limits are counted: memory (this instance), redis (needs a Jedis
 *     UnifiedJedis or a Lettuce RedisClient bean) or dynamodb (needs a DynamoDbClient
 *     bean); a RateLimitStore bean of the application's own wins over all three
 * @param filter starter: the servlet filter's and the WebFlux filter's registration
 * @param dynamodb starter: the DynamoDB table, when store is dynamodb
 * @param config starter: where the rate-limit configuration (every other key of this table) comes from:
 *     environment (these properties, read once at start-up), redis (a hash in Redis, through the
 *     application's Jedis UnifiedJedis or Lettuce RedisClient bean; pushed by pub/sub and polled) or
 *     dynamodb[:TABLE] (an item in
 *     DynamoDB through the application's DynamoDbClient bean, polled; the table is dynamodb.tableName
 *     unless named). A shared configuration is followed live; a bad one is refused and reported, the last good one
 *     stays
 * @param configKey starter: the Redis hash, or the DynamoDB item's partition key value, of a shared configuration
 * @param configPollInterval starter: how often a shared configuration is read whatever the pushes (250ms,
 *     5s, 1m; at least 1ms): the bound on how late a change arrives without push
 * @param configPush starter: Redis only: learn of a publish by pub/sub (false: poll only)
 * @param configKeyAttribute starter: DynamoDB only: the table's partition key attribute
 * @param policies the policy names, in the order they are checked (required)
 * @param excludes path patterns that bypass every policy and get no rate-limit headers
 * @param trustedProxies CIDR blocks or addresses whose X-Forwarded-For (or Forwarded) is believed
 * @param headers which rate-limit headers responses carry
 * @param ipv4Prefix the ip key is the client's IPv4 block of this many bits (1 to 32)
 * @param ipv6Prefix the ip key is the client's IPv6 block of this many bits (1 to 128)
 * @param maximumKeys the most keys the engine's own in-memory store holds (it evicts at the bound); default: the
 *     store's own bounds
 * @param failurePolicy what happens when the store fails: allow, deny (429) or local
 *     (in-memory limits while the store is down)
 * @param reload how often a changed configuration file is picked up, or off; the starter's configuration
 *     comes from the Environment and is read once
 * @param localDenyCache keys remembered as denied until their retry time, answered without a store call (0: off)
 * @param violationLog log each denial at this level: off, error, warn, info,
 *     debug or trace
 * @param defaultPlan the plan for API keys assigned to no plan, or reject (401)
 * @param policy each policy, by name
 * @param plan each plan, by name
 * @param planKeys the API keys on each plan, by plan name
 */
@ConfigurationProperties("ratelimit")
public record RateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("memory") Store store,
        Filter filter,
        DynamoDb dynamodb,
        @DefaultValue("environment") String config,
        @DefaultValue("ratelimit:config") String configKey,
        @DefaultValue("5s") String configPollInterval,
        @DefaultValue("true") boolean configPush,
        @DefaultValue("pk") String configKeyAttribute,
        List<String> policies,
        List<String> excludes,
        List<String> trustedProxies,
        Headers headers,
        @DefaultValue("32") int ipv4Prefix,
        @DefaultValue("64") int ipv6Prefix,
        Integer maximumKeys,
        @DefaultValue("allow") FailurePolicyName failurePolicy,
        @DefaultValue("10s") String reload,
        @DefaultValue("0") int localDenyCache,
        @DefaultValue("off") String violationLog,
        @DefaultValue("reject") String defaultPlan,
        Map<String, Policy> policy,
        Map<String, Plan> plan,
        Map<String, List<String>> planKeys) {

    /**
     * The canonical constructor, which the configuration processor reads (the record is never bound).
     *
     * @param enabled see the class comment
     * @param store see the class comment
     * @param filter see the class comment
     * @param dynamodb see the class comment
     * @param config see the class comment
     * @param configKey see the class comment
     * @param configPollInterval see the class comment
     * @param configPush see the class comment
     * @param configKeyAttribute see the class comment
     * @param policies see the class comment
     * @param excludes see the class comment
     * @param trustedProxies see the class comment
     * @param headers see the class comment
     * @param ipv4Prefix see the class comment
     * @param ipv6Prefix see the class comment
     * @param maximumKeys see the class comment
     * @param failurePolicy see the class comment
     * @param reload see the class comment
     * @param localDenyCache see the class comment
     * @param violationLog see the class comment
     * @param defaultPlan see the class comment
     * @param policy see the class comment
     * @param plan see the class comment
     * @param planKeys see the class comment
     */
    @ConstructorBinding
    public RateLimitProperties {
    }

    /**
     * The properties without the shared-configuration keys, which take their defaults ({@code config=environment}).
     *
     * @param enabled see the class comment
     * @param store see the class comment
     * @param filter see the class comment
     * @param dynamodb see the class comment
     * @param policies see the class comment
     * @param excludes see the class comment
     * @param trustedProxies see the class comment
     * @param headers see the class comment
     * @param ipv4Prefix see the class comment
     * @param ipv6Prefix see the class comment
     * @param maximumKeys see the class comment
     * @param failurePolicy see the class comment
     * @param reload see the class comment
     * @param localDenyCache see the class comment
     * @param violationLog see the class comment
     * @param defaultPlan see the class comment
     * @param policy see the class comment
     * @param plan see the class comment
     * @param planKeys see the class comment
     */
    public RateLimitProperties(boolean enabled, Store store, Filter filter, DynamoDb dynamodb, List<String> policies,
            List<String> excludes, List<String> trustedProxies, Headers headers, int ipv4Prefix, int ipv6Prefix,
            Integer maximumKeys, FailurePolicyName failurePolicy, String reload, int localDenyCache,
            String violationLog, String defaultPlan, Map<String, Policy> policy, Map<String, Plan> plan,
            Map<String, List<String>> planKeys) {
        this(enabled, store, filter, dynamodb, "environment", "ratelimit:config", "5s", true, "pk", policies,
                excludes, trustedProxies, headers, ipv4Prefix, ipv6Prefix, maximumKeys, failurePolicy, reload,
                localDenyCache, violationLog, defaultPlan, policy, plan, planKeys);
    }

    /** The values of ratelimit.store. */
    public enum Store {
        /** In this JVM (bounded, evicting); the default. */
        MEMORY,
        /** In Redis, through the application's Jedis or Lettuce client bean. */
        REDIS,
        /** In DynamoDB, through the application's DynamoDbClient bean. */
        DYNAMODB
    }

    /** The values of ratelimit.failurePolicy. */
    public enum FailurePolicyName {
        /** Let requests through while the store fails (logged, without rate-limit headers). */
        ALLOW,
        /** Answer 429 with Retry-After: 1. */
        DENY,
        /** Enforce the same limits in memory, per instance, while the store fails. */
        LOCAL
    }

    /**
     * ratelimit.filter.*: where the filter sits.
     *
     * @param order the filter's order, servlet and WebFlux alike; the default runs right after Spring Security's
     *     filter chain (-100), so that the principal key sees the authenticated user
     * @param urlPatterns servlet only: the URL patterns the filter is mapped to
     */
    public record Filter(@DefaultValue("-99") int order, @DefaultValue("/*") List<String> urlPatterns) {
    }

    /**
     * ratelimit.dynamodb.*.
     *
     * @param tableName the table (see ratelimit-dynamodb's README for its layout)
     */
    public record DynamoDb(@DefaultValue("rate-limits") String tableName) {
    }

    /**
     * ratelimit.headers.*.
     *
     * @param legacy send X-RateLimit-Limit, -Remaining and -Reset
     * @param shadow show shadow policies in the rate-limit headers
     */
    public record Headers(@DefaultValue("true") boolean legacy, @DefaultValue("false") boolean shadow) {
    }

    /**
     * ratelimit.policy.NAME.*: one policy.
     *
     * @param key whose requests are counted together: ip, header:X-API-Key, principal,
     *     route, constant[:VALUE] or composite:PART+PART (required)
     * @param limits the limits, all of which must allow, such as 100/1s,10000/1d (required unless
     *     plans)
     * @param plans take the limits from the key's plan
     * @param algorithm TOKEN_BUCKET, FIXED_WINDOW, SLIDING_WINDOW or SLIDING_LOG
     * @param paths path patterns the policy applies to (default: every path)
     * @param methods HTTP methods the policy applies to (GET covers HEAD; default: every method)
     * @param cost the permits one request spends
     * @param shadow decide and report, never block
     * @param missingKey reject (401) or anonymous (one shared bucket) when the key is missing
     * @param refundOnStatus give the permits back when the application answers with these statuses, such as
     *     500-599
     * @param penaltyOnStatus spend penalty more permits on these statuses, such as 401,403
     * @param penalty the extra permits of penaltyOnStatus
     */
    public record Policy(String key, List<String> limits, @DefaultValue("false") boolean plans,
            @DefaultValue("TOKEN_BUCKET") String algorithm, List<String> paths, List<String> methods,
            @DefaultValue("1") int cost, @DefaultValue("false") boolean shadow,
            @DefaultValue("reject") String missingKey, String refundOnStatus, String penaltyOnStatus,
            @DefaultValue("1") int penalty) {
    }

    /**
     * ratelimit.plan.NAME.*: one plan.
     *
     * @param limits the plan's limits, such as 500/1s,100000/1d; defining them defines the plan
     */
    public record Plan(List<String> limits) {
    }
}
