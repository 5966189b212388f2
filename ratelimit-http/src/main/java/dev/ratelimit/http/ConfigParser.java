package dev.ratelimit.http;

import dev.ratelimit.Algorithm;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import org.slf4j.event.Level;

/**
 * Reads the keys {@link RateLimitConfig} documents from properties, one parse per instance. Every value is checked
 * where it is read, and an error names the key and the value; a key under {@code ratelimit.} that nothing read is
 * an error too, so a typo never goes unnoticed. Not thread-safe.
 */
final class ConfigParser {

    private static final String PREFIX = RateLimitConfig.PREFIX;
    private static final Duration DEFAULT_RELOAD = Duration.ofSeconds(10);
    /** Keys (or key prefixes, ending in a dot) renamed before 1.0, with their new spelling; refused, never read. */
    private static final Map<String, String> RENAMED = Map.of(
            PREFIX + "plans.default", PREFIX + "defaultPlan",
            PREFIX + "plan-keys.", PREFIX + "planKeys.");
    private static final Set<String> POLICY_KEYS = Set.of("limits", "plans", "algorithm", "key", "paths", "methods",
            "cost", "shadow", "missingKey", "refundOnStatus", "penaltyOnStatus", "penalty");

    private final Properties p;
    private final Set<String> used = new LinkedHashSet<>();

    ConfigParser(Properties p) {
        this.p = p;
    }

    RateLimitConfig parse() {
        checkPrefixes();
        checkRenamed();
        int ipv4Prefix = intInRange("ipv4Prefix", KeyResolver.DEFAULT_IPV4_PREFIX, 1, 32);
        int ipv6Prefix = intInRange("ipv6Prefix", KeyResolver.DEFAULT_IPV6_PREFIX, 1, 128);
        TrustedProxies.Header header = switch (get("trustedProxies.header", "X-Forwarded-For")
                .toLowerCase(Locale.ROOT)) {
            case "x-forwarded-for" -> TrustedProxies.Header.X_FORWARDED_FOR;
            case "forwarded" -> TrustedProxies.Header.FORWARDED;
            default -> throw bad("trustedProxies.header", "expected X-Forwarded-For or Forwarded");
        };
        TrustedProxies proxies;
        try {
            proxies = TrustedProxies.of(header, list("trustedProxies"));
        } catch (IllegalArgumentException e) {
            throw bad("trustedProxies", e);
        }
        Plans plans = plans();
        List<Policy> policies = new ArrayList<>();
        List<String> names = list("policies");
        if (names.isEmpty()) {
            throw error(PREFIX + "policies", PREFIX + "policies is required: list the policies, for example "
                    + PREFIX + "policies=global,perKey");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw bad("policies", "the policy " + name + " is listed twice; policy names must differ");
            }
        }
        for (String name : names) {
            policies.add(policy(name, proxies, plans, ipv4Prefix, ipv6Prefix));
        }
        List<String> excludes = list("excludes");
        for (String exclude : excludes) {
            try {
                PathPattern.parse(exclude);
            } catch (IllegalArgumentException e) {
                throw bad("excludes", e);
            }
        }
        boolean legacy = bool("headers.legacy", true);
        boolean shadowHeaders = bool("headers.shadow", false);
        OptionalLong maximumKeys = maximumKeys();
        String failure = get("failurePolicy", "allow").toLowerCase(Locale.ROOT);
        FailurePolicy failurePolicy = switch (failure) {
            case "allow" -> FailurePolicy.allow();
            case "deny" -> FailurePolicy.deny();
            case "local" -> FailurePolicy.allow();
            default -> throw bad("failurePolicy", "expected allow, deny or local");
        };
        Duration reload = reload();
        int denyCache = nonNegativeInt("localDenyCache", 0);
        String levelName = get("violationLog", "off").toUpperCase(Locale.ROOT);
        Level level = null;
        if (!levelName.equals("OFF")) {
            try {
                level = Level.valueOf(levelName);
            } catch (IllegalArgumentException e) {
                throw bad("violationLog", "expected off, error, warn, info, debug or trace");
            }
        }
        Limit logRate;
        try {
            logRate = Limit.parse(get("violationLog.rate", "10/1s"));
        } catch (IllegalArgumentException e) {
            throw bad("violationLog.rate", e);
        }
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(PREFIX) && !used.contains(key)) {
                throw error(key, "unknown key " + key + "=" + p.getProperty(key)
                        + " (is the policy or plan listed, and the key spelled as CONFIG.md says?)");
            }
        }
        return new RateLimitConfig(List.copyOf(policies), plans, List.copyOf(excludes), proxies, legacy,
                shadowHeaders, failurePolicy, failure.equals("local"), reload, denyCache, maximumKeys, level, logRate,
                p);
    }

    private Plans plans() {
        Set<String> planNames = new LinkedHashSet<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(PREFIX + "plan.")) {
                String rest = key.substring((PREFIX + "plan.").length());
                int dot = rest.indexOf('.');
                if (dot > 0 && rest.substring(dot + 1).equals("limits")) {
                    planNames.add(rest.substring(0, dot));
                }
            }
        }
        String defaultPlan = get("defaultPlan", "reject");
        if (planNames.isEmpty()) {
            if (!defaultPlan.equals("reject")) {
                throw bad("defaultPlan", "no plan is defined (ratelimit.plan.NAME.limits)");
            }
            return Plans.none();
        }
        Plans.Builder builder = Plans.builder();
        Map<String, String> assigned = new HashMap<>();
        for (String name : planNames.stream().sorted().toList()) {
            String key = "plan." + name + ".limits";
            try {
                builder.plan(Plan.of(name, limits(key)));
            } catch (IllegalArgumentException e) {
                throw bad(key, e);
            }
            for (String apiKey : list("planKeys." + name)) {
                String earlier = assigned.putIfAbsent(apiKey, name);
                if (earlier != null) {
                    throw bad("planKeys." + name, "the key " + apiKey + " is also on plan " + earlier + " ("
                            + PREFIX + "planKeys." + earlier + "); a key is on one plan");
                }
                try {
                    builder.assign(apiKey, name);
                } catch (IllegalArgumentException e) {
                    throw bad("planKeys." + name, e);
                }
            }
        }
        if (!defaultPlan.equals("reject")) {
            if (!planNames.contains(defaultPlan)) {
                throw bad("defaultPlan", "expected reject or one of the plans " + planNames);
            }
            builder.defaultPlan(defaultPlan);
        }
        return builder.build();
    }

    /** Refuses a key spelt the old way, naming the new spelling ({@code ratelimit.plans.default -> defaultPlan}). */
    private void checkRenamed() {
        for (String key : p.stringPropertyNames()) {
            for (Map.Entry<String, String> renamed : RENAMED.entrySet()) {
                String old = renamed.getKey();
                boolean isPrefix = old.endsWith(".");
                if (isPrefix ? key.startsWith(old) : key.equals(old)) {
                    String now = isPrefix ? renamed.getValue() + key.substring(old.length()) : renamed.getValue();
                    throw new ConfigException(null, key, key + "=" + p.getProperty(key) + ": " + key
                            + " was renamed " + now, null);
                }
            }
        }
    }

    /**
     * Refuses a key whose first part is within two typing mistakes of {@code ratelimit} but is not
     * {@code ratelimit.}: {@code ratelimt.policies}, {@code RateLimit.policies}, {@code rate-limit.reload}. Such a
     * key would otherwise be taken for one of a store factory's own and ignored.
     */
    private void checkPrefixes() {
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(PREFIX)) {
                continue;
            }
            int dot = key.indexOf('.');
            String first = (dot < 0 ? key : key.substring(0, dot)).toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
            if (editDistance(first, "ratelimit") <= 2) {
                throw error(key, "the key " + key + "=" + p.getProperty(key) + " is not under "
                        + PREFIX + " but looks like a misspelling of it; spell it " + PREFIX + "..., or name a"
                        + " store factory's own key differently");
            }
        }
    }

    /** The optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
    static int editDistance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2) {
            return 3;
        }
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private Policy policy(String name, TrustedProxies proxies, Plans plans, int ipv4Prefix, int ipv6Prefix) {
        Policy.Builder b;
        try {
            b = Policy.builder(name);
        } catch (IllegalArgumentException e) {
            throw bad("policies", e);
        }
        String base = "policy." + name + ".";
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(PREFIX + base) && !POLICY_KEYS.contains(key.substring((PREFIX + base).length()))) {
                throw error(key, "unknown key " + key + "=" + p.getProperty(key) + "; a policy has the keys "
                        + POLICY_KEYS);
            }
        }
        String k = base + "key";
        String keySpec = get(k, null);
        if (keySpec == null) {
            throw error(PREFIX + k, PREFIX + k + " is required: ip, header:NAME, principal, route,"
                    + " constant[:VALUE] or composite:PART+PART");
        }
        try {
            try {
                b.key(keyResolver(keySpec, proxies, ipv4Prefix, ipv6Prefix));
            } catch (IllegalArgumentException e) {
                throw bad(k, e);
            }
            boolean fromPlans = bool(base + "plans", false);
            String limits = get(base + "limits", null);
            if (fromPlans && limits != null) {
                throw bad(base + "limits", "policy " + name + " takes its limits from plans (" + PREFIX + base
                        + "plans=true); remove one of them");
            }
            List<Limit> own = List.of();
            if (fromPlans) {
                if (plans.plans().isEmpty()) {
                    throw bad(base + "plans", "policy " + name + " takes its limits from plans, but no plan is"
                            + " defined: add " + PREFIX + "plan.NAME.limits, or give the policy " + PREFIX + base
                            + "limits");
                }
                b.limitsFromPlans();
            } else if (limits == null) {
                throw error(PREFIX + base + "limits", PREFIX + base + "limits is required (or " + PREFIX + base
                        + "plans=true)");
            } else {
                own = limits(base + "limits");
                try {
                    b.limits(own);
                } catch (IllegalArgumentException e) {
                    throw bad(base + "limits", e);
                }
            }
            String algorithm = get(base + "algorithm", null);
            Algorithm algo = Algorithm.TOKEN_BUCKET;
            if (algorithm != null) {
                try {
                    algo = Algorithm.valueOf(algorithm.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw bad(base + "algorithm", "expected FIXED_WINDOW, SLIDING_WINDOW, SLIDING_LOG or"
                            + " TOKEN_BUCKET");
                }
                b.algorithm(algo);
            }
            b.paths(list(base + "paths"));
            b.methods(list(base + "methods"));
            String cost = get(base + "cost", null);
            long costValue = 1;
            if (cost != null) {
                try {
                    costValue = Long.parseLong(cost);
                    b.cost(costValue);
                } catch (NumberFormatException e) {
                    throw bad(base + "cost", "expected a whole number of permits, 1 or more");
                } catch (IllegalArgumentException e) {
                    throw bad(base + "cost", e);
                }
            }
            if (fromPlans) {
                for (Plan plan : plans.plans().values()) {
                    checkLimits(name, algo, costValue, plan.limits(), "plan." + plan.name() + ".limits");
                }
            } else {
                checkLimits(name, algo, costValue, own, base + "limits");
            }
            b.shadow(bool(base + "shadow", false));
            String refund = get(base + "refundOnStatus", null);
            if (refund != null) {
                try {
                    b.refundOnStatus(refund);
                } catch (IllegalArgumentException e) {
                    throw bad(base + "refundOnStatus", e);
                }
            }
            String penaltyStatuses = get(base + "penaltyOnStatus", null);
            String penalty = get(base + "penalty", null);
            if (penaltyStatuses == null && penalty != null) {
                throw bad(base + "penalty", "set " + PREFIX + base + "penaltyOnStatus too, for example 401");
            }
            if (penaltyStatuses != null) {
                long permits;
                try {
                    permits = penalty == null ? 1 : Long.parseLong(penalty);
                } catch (NumberFormatException e) {
                    throw bad(base + "penalty", "expected a positive integer");
                }
                try {
                    b.penaltyOnStatus(penaltyStatuses, permits);
                } catch (IllegalArgumentException e) {
                    throw bad(penalty != null && permits < 1 ? base + "penalty" : base + "penaltyOnStatus",
                            e.getMessage());
                }
            }
            b.onMissingKey(switch (get(base + "missingKey", "reject").toLowerCase(Locale.ROOT)) {
                case "reject" -> Policy.MissingKey.REJECT;
                case "anonymous" -> Policy.MissingKey.ANONYMOUS;
                default -> throw bad(base + "missingKey", "expected reject or anonymous");
            });
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains(PREFIX)) {
                throw e;
            }
            throw new IllegalArgumentException("policy " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks a policy's cost and algorithm against limits read from {@code limitsKey}, naming the key at fault: the
     * limits key for a burst without a token bucket or a limit too large for the algorithm, the cost key for a cost
     * a limit cannot hold.
     */
    private void checkLimits(String policy, Algorithm algorithm, long cost, List<Limit> limits, String limitsKey) {
        String base = "policy." + policy + ".";
        Policy.LimitProblem problem = Policy.problem(policy, algorithm, cost, limits, PREFIX + limitsKey);
        if (problem == null) {
            return;
        }
        throw switch (problem.fault()) {
            case BURST -> bad(limitsKey, problem.message() + " (" + PREFIX + base + "algorithm)");
            case COST -> bad(base + "cost", problem.message());
            case LIMITS -> bad(limitsKey, problem.message());
        };
    }

    private KeyResolver keyResolver(String spec, TrustedProxies proxies, int ipv4Prefix, int ipv6Prefix) {
        String s = spec.startsWith("composite:") ? spec.substring("composite:".length()) : spec;
        String[] parts = s.split("\\+", -1);
        List<KeyResolver> resolvers = new ArrayList<>();
        for (String part : parts) {
            String t = part.trim();
            KeyResolver r;
            if (t.equals("ip")) {
                r = KeyResolver.clientIp(proxies, ipv4Prefix, ipv6Prefix);
            } else if (t.equals("principal")) {
                r = KeyResolver.principal();
            } else if (t.equals("route")) {
                r = KeyResolver.route();
            } else if (t.equals("constant")) {
                r = KeyResolver.constant("global");
            } else if (t.startsWith("constant:")) {
                r = KeyResolver.constant(t.substring("constant:".length()));
            } else if (t.startsWith("header:")) {
                r = KeyResolver.header(t.substring("header:".length()).trim());
            } else {
                throw new IllegalArgumentException("key \"" + spec + "\" has the unknown part \"" + t
                        + "\"; expected ip, header:NAME, principal, route or constant[:VALUE]");
            }
            resolvers.add(r);
        }
        if (spec.startsWith("composite:") && resolvers.size() < 2) {
            throw new IllegalArgumentException("key \"" + spec + "\" is a composite of one part; join two or"
                    + " more with +");
        }
        return resolvers.size() == 1 ? resolvers.get(0)
                : KeyResolver.composite(resolvers);
    }

    private List<Limit> limits(String key) {
        List<Limit> out = new ArrayList<>();
        for (String text : list(key)) {
            try {
                out.add(Limit.parse(text));
            } catch (IllegalArgumentException e) {
                throw bad(key, e);
            }
        }
        if (out.isEmpty()) {
            throw bad(key, "expected one or more limits such as 100/1s,10000/1d");
        }
        return out;
    }

    private Duration reload() {
        String value = get("reload", null);
        if (value == null) {
            return DEFAULT_RELOAD;
        }
        if (value.equalsIgnoreCase("off")) {
            return Duration.ZERO;
        }
        return duration("reload", value);
    }

    /**
     * A duration in the limit period syntax ({@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d}). An
     * ISO-8601 duration ({@code PT10S}) is refused with its short form, so a file has one way to write a duration.
     */
    private Duration duration(String key, String value) {
        if (value.length() > 1 && (value.charAt(0) == 'P' || value.charAt(0) == 'p')) {
            String shortForm;
            try {
                shortForm = Responses.periodText(Limit.of(1, Duration.parse(value)));
            } catch (RuntimeException e) {
                shortForm = "10s";
            }
            throw bad(key, "ISO-8601 durations are not used in this file; write " + shortForm + " (the limit period"
                    + " syntax: 250ms, 10s, 5m, 1h, 1d)");
        }
        if (value.isEmpty() || value.chars().anyMatch(c -> c == '/' || Character.isWhitespace(c))) {
            throw bad(key, "expected a duration such as 250ms, 10s, 5m, 1h or 1d");
        }
        try {
            return Limit.parse("1/" + value).period();
        } catch (IllegalArgumentException e) {
            throw bad(key, "expected a duration such as 250ms, 10s, 5m, 1h or 1d");
        }
    }

    private String get(String key, String defaultValue) {
        String full = PREFIX + key;
        used.add(full);
        String value = p.getProperty(full);
        return value == null ? defaultValue : value.trim();
    }

    private List<String> list(String key) {
        String value = get(key, "");
        List<String> out = new ArrayList<>();
        for (String item : value.split(",")) {
            String t = item.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private int nonNegativeInt(String key, int defaultValue) {
        String value = get(key, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(key, "expected a whole number, 0 or more");
    }

    private int intInRange(String key, int defaultValue, int min, int max) {
        String value = get(key, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(key, "expected a whole number from " + min + " to " + max);
    }

    private OptionalLong maximumKeys() {
        String value = get("maximumKeys", null);
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 1 && n <= RateLimitConfig.MAX_MAXIMUM_KEYS) {
                return OptionalLong.of(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("maximumKeys", "expected a whole number, 1 or more and at most " + RateLimitConfig.MAX_MAXIMUM_KEYS);
    }

    private boolean bool(String key, boolean defaultValue) {
        String value = get(key, null);
        if (value == null) {
            return defaultValue;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(key, "expected true or false");
        };
    }

    /** An error about {@code fullKey} with {@code message} as it is. */
    private static ConfigException error(String fullKey, String message) {
        return new ConfigException(null, fullKey, message, null);
    }

    /**
     * An error about {@code key} caused by {@code e}: {@code e} itself when it already is the error about that key
     * (so its {@code key=value} is not said twice), else {@link #bad(String, String)} with its message.
     */
    private ConfigException bad(String key, IllegalArgumentException e) {
        if (e instanceof ConfigException c && (PREFIX + key).equals(c.key())) {
            return c;
        }
        return bad(key, e.getMessage());
    }

    private ConfigException bad(String key, String problem) {
        String full = PREFIX + key;
        return new ConfigException(null, full, full + "=" + p.getProperty(full) + ": " + problem, null);
    }
}
