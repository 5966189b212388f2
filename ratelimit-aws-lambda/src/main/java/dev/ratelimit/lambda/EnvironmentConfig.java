package dev.ratelimit.lambda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps environment variables onto the configuration keys of the HTTP engine (the properties schema of CONFIG.md),
 * since a Lambda function is configured by its environment. The mapping is reversible: every key that can be
 * written as a variable has exactly one variable, and that variable maps back to it.
 *
 * <h2>The rule</h2>
 * <ul>
 *   <li>The variable starts with {@code RATELIMIT_}; variables without that prefix are ignored.</li>
 *   <li>A fixed word of a key is written in upper case, its camelCase humps and the dots between words as one
 *       underscore: {@code ratelimit.trustedProxies.header} is {@code RATELIMIT_TRUSTED_PROXIES_HEADER},
 *       {@code ratelimit.ipv6Prefix} is {@code RATELIMIT_IPV6_PREFIX}.</li>
 *   <li>A name (of a policy or a plan: the segment after {@code policy}, {@code plan} and {@code planKeys}) is
 *       written as it is, case and all, between double underscores: {@code ratelimit.policy.perKey.limits} is
 *       {@code RATELIMIT_POLICY__perKey__LIMITS}, {@code ratelimit.planKeys.premium} is
 *       {@code RATELIMIT_PLAN_KEYS__premium}.</li>
 *   <li>Back from a variable: the parts between double underscores are the names, taken as they are; the upper-case
 *       parts are split at single underscores into the key's words, the longest known word first (so
 *       {@code TRUSTED_PROXIES_HEADER} is {@code trustedProxies.header}).</li>
 *   <li>{@code RATELIMIT_CONFIG} is not a key: it is the location of the properties file
 *       ({@code classpath:...} or {@code file:...}) or of a shared configuration ({@code redis://...},
 *       {@code dynamodb:TABLE}); the variables after it, such as {@code RATELIMIT_CONFIG_KEY}, are keys
 *       ({@code ratelimit.config.key}).</li>
 * </ul>
 * A name that contains {@code -} or {@code __}, or starts or ends with {@code _}, cannot be written as a variable
 * (Lambda allows only letters, digits and {@code _} in variable names): such a policy or plan is configured in the
 * properties file. A variable whose upper-case part is not made of known words is an error naming the variable and
 * the word, so a typo never goes unnoticed; the engine then checks the keys and values as it checks a file.
 *
 * <p>Stateless and thread-safe.
 */
public final class EnvironmentConfig {

    /** The prefix of every variable that is mapped. */
    public static final String PREFIX = "RATELIMIT_";

    /** The variable naming the properties file; not a key. */
    public static final String CONFIG_VARIABLE = "RATELIMIT_CONFIG";

    /**
     * The words of the configuration keys, including this module's {@code store}, {@code metrics} and {@code config}
     * (shared configuration) keys.
     */
    private static final Set<String> WORDS = Set.of("ratelimit", "policies", "excludes", "trustedProxies", "header",
            "headers", "legacy", "shadow", "ipv4Prefix", "ipv6Prefix", "maximumKeys", "failurePolicy", "reload",
            "localDenyCache", "violationLog", "rate", "defaultPlan", "plans", "default", "policy", "plan",
            "planKeys", "key", "limits", "algorithm", "paths", "methods", "cost", "missingKey", "refundOnStatus",
            "penaltyOnStatus", "penalty", "store", "table", "timeout", "endpoint", "keyPrefix", "metrics",
            "namespace", "config", "pollInterval", "keyAttribute", "region", "push");

    /** Words after which the next segment of a key is a name. */
    private static final Set<String> BEFORE_NAME = Set.of("policy", "plan", "planKeys");

    private static final int LONGEST_WORD = 4;

    /** A name that a variable can carry: letters and digits, single underscores inside. */
    private static final String NAME = "[A-Za-z0-9](?:_?[A-Za-z0-9])*";

    private EnvironmentConfig() {
    }

    /**
     * The configuration keys and values of every {@code RATELIMIT_*} variable in {@code environment} (except
     * {@link #CONFIG_VARIABLE}).
     *
     * @param environment variables, such as {@link System#getenv()}
     * @return the properties, one per mapped variable
     * @throws IllegalArgumentException naming the variable, if a variable does not map to a key
     * @throws NullPointerException if environment is null
     */
    public static Properties properties(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Properties properties = new Properties();
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String variable = e.getKey();
            if (variable.startsWith(PREFIX) && !variable.equals(CONFIG_VARIABLE) && e.getValue() != null) {
                properties.setProperty(key(variable), e.getValue());
            }
        }
        return properties;
    }

    /**
     * The configuration key a variable stands for.
     *
     * @param variable a variable name such as {@code RATELIMIT_POLICY__perKey__LIMITS}
     * @return the key, such as {@code ratelimit.policy.perKey.limits}
     * @throws IllegalArgumentException naming the variable, if it does not start with {@code RATELIMIT_} or does not
     *     follow the rule above
     * @throws NullPointerException if variable is null
     */
    public static String key(String variable) {
        Objects.requireNonNull(variable, "variable");
        if (!variable.startsWith(PREFIX) || variable.equals(CONFIG_VARIABLE)) {
            throw new IllegalArgumentException("environment variable " + variable
                    + " is not a configuration key: keys start with " + PREFIX + " (and " + CONFIG_VARIABLE
                    + " names the file)");
        }
        String[] parts = variable.split("__", -1);
        List<String> segments = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                throw bad(variable, "it has an empty part between double underscores");
            }
            if (i % 2 == 1) {
                if (segments.isEmpty() || !BEFORE_NAME.contains(segments.get(segments.size() - 1))) {
                    throw bad(variable, "the name '" + part + "' does not follow POLICY, PLAN or PLAN_KEYS");
                }
                if (!part.matches(NAME)) {
                    throw bad(variable, "the name '" + part + "' starts or ends with an underscore");
                }
                segments.add(part);
            } else {
                words(variable, part, segments);
            }
        }
        return String.join(".", segments);
    }

    /**
     * The variable that stands for a configuration key: the inverse of {@link #key(String)}.
     *
     * @param key a key such as {@code ratelimit.policy.perKey.limits}
     * @return the variable, such as {@code RATELIMIT_POLICY__perKey__LIMITS}
     * @throws IllegalArgumentException naming the key, if it has a word this mapping does not know or a name that
     *     cannot be written in a variable name
     * @throws NullPointerException if key is null
     */
    public static String variable(String key) {
        Objects.requireNonNull(key, "key");
        String[] segments = key.split("\\.", -1);
        if (!segments[0].equals("ratelimit")) {
            throw new IllegalArgumentException("key " + key + " does not start with ratelimit.");
        }
        StringBuilder out = new StringBuilder();
        boolean nameNext = false;
        boolean afterName = false;
        for (String segment : segments) {
            if (nameNext) {
                if (!segment.matches(NAME)) {
                    throw new IllegalArgumentException("key " + key + ": the name '" + segment
                            + "' cannot be written in an environment variable (only letters, digits and single"
                            + " inner underscores); set it in the properties file");
                }
                out.append("__").append(segment);
                nameNext = false;
                afterName = true;
                continue;
            }
            if (!WORDS.contains(segment)) {
                throw new IllegalArgumentException("key " + key + ": '" + segment
                        + "' is not a word of the configuration keys");
            }
            out.append(out.length() == 0 ? "" : afterName ? "__" : "_").append(snake(segment));
            afterName = false;
            nameNext = BEFORE_NAME.contains(segment);
        }
        String variable = out.toString();
        if (!key(variable).equals(key)) {
            throw new IllegalArgumentException("key " + key + " has no environment variable that maps back to it");
        }
        return variable;
    }

    /** Splits an upper-case part into words, longest known word first, appending them to {@code segments}. */
    private static void words(String variable, String part, List<String> segments) {
        if (!part.equals(part.toUpperCase(Locale.ROOT))) {
            throw bad(variable, "'" + part + "' must be upper case (only names, between double underscores, keep"
                    + " their case)");
        }
        String[] tokens = part.split("_", -1);
        int i = 0;
        while (i < tokens.length) {
            String word = null;
            int taken = 0;
            for (int n = Math.min(LONGEST_WORD, tokens.length - i); n >= 1 && word == null; n--) {
                String candidate = camel(tokens, i, n);
                if (candidate != null && WORDS.contains(candidate)) {
                    word = candidate;
                    taken = n;
                }
            }
            if (word == null) {
                throw bad(variable, "'" + tokens[i] + "' is not a word of the configuration keys");
            }
            if (segments.isEmpty() && !word.equals("ratelimit")) {
                throw bad(variable, "it does not start with RATELIMIT_");
            }
            segments.add(word);
            i += taken;
        }
    }

    private static String camel(String[] tokens, int from, int count) {
        StringBuilder b = new StringBuilder();
        for (int k = from; k < from + count; k++) {
            String t = tokens[k].toLowerCase(Locale.ROOT);
            if (t.isEmpty()) {
                return null;
            }
            b.append(k == from ? t : Character.toUpperCase(t.charAt(0)) + t.substring(1));
        }
        return b.toString();
    }

    private static String snake(String word) {
        StringBuilder b = new StringBuilder(word.length() + 4);
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (Character.isUpperCase(c)) {
                b.append('_');
            }
            b.append(Character.toUpperCase(c));
        }
        return b.toString();
    }

    private static IllegalArgumentException bad(String variable, String why) {
        return new IllegalArgumentException("environment variable " + variable + " does not name a configuration key: "
                + why + " (rule: RATELIMIT_ + upper-case words, names between double underscores, for example"
                + " RATELIMIT_POLICY__perKey__LIMITS for ratelimit.policy.perKey.limits)");
    }
}
