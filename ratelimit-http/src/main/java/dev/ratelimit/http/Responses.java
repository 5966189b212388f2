package dev.ratelimit.http;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's answers as values: the rate-limit headers of draft-ietf-httpapi-ratelimit-headers-10, the legacy
 * {@code X-RateLimit-*} headers, and RFC 9457 problem details for 429 and 401. Stateless.
 *
 * <p>Header values are Structured Field lists (RFC 9651): each item is a policy name (with {@code /PERIOD} for each
 * limit of a policy with several) as an sf-string, with integer parameters. Policy names are restricted to
 * {@code A-Z a-z 0-9 _ -} and periods to digits and unit letters, so they never need escaping. A 401 carries a
 * {@code WWW-Authenticate} challenge, and problem details are {@code application/problem+json} without a charset.
 */
final class Responses {

    /** The draft's problem type for requests over a quota. */
    static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";
    /** Largest sf-integer (15 digits). */
    private static final long SF_INTEGER_MAX = 999_999_999_999_999L;

    /** The media type of every body the engine produces. */
    static final String PROBLEM_JSON = "application/problem+json";

    private Responses() {
    }

    /**
     * The headers {@code RateLimit-Policy} and {@code RateLimit} and, if {@code legacy}, {@code X-RateLimit-Limit/-Remaining
     * /-Reset}, for the items whose state is known and shown:
     * <ul>
     *   <li>{@code RateLimit-Policy} has one item per limit of each policy, in policy order: {@code "NAME"} for a
     *       policy with one limit, {@code "NAME/PERIOD"} (for example {@code "perKey/2s"}, {@code "perKey/1m"}) for
     *       each limit of a policy with several (all by position, {@code "NAME/1"}, {@code "NAME/2"}, if two of its
     *       limits share a period). It describes every limit on every response, so a client sees the same policy each time.</li>
     *   <li>{@code RateLimit} has one item per policy, naming the limit that binds: the one that denied, or else the
     *       one with the fewest permits left.</li>
     *   <li>The legacy headers describe the denying policy, or else the one with the fewest permits left.</li>
     * </ul>
     * Left out: a policy whose decision the failure policy made (its state is unknown: the store did not answer),
     * and a shadow policy unless {@code showShadow}. When the denying policy's state is unknown, no legacy header is
     * sent either.
     */
    static List<HttpHeader> headers(List<Enforcer.Item> items, Enforcer.Item denied, boolean legacy,
            boolean showShadow) {
        StringBuilder policy = new StringBuilder();
        StringBuilder state = new StringBuilder();
        Enforcer.Item reported = denied != null && known(denied) ? denied : null;
        for (Enforcer.Item item : items) {
            Decision d = item.decision();
            if (!known(item) || (item.policy().shadow() && !showShadow)) {
                continue;
            }
            if (policy.length() > 0) {
                policy.append(", ");
                state.append(", ");
            }
            String name = item.policy().name();
            List<Limit> limits = item.limiter().limits();
            int binding = Math.max(0, limits.indexOf(d.limit()));
            for (int i = 0; i < limits.size(); i++) {
                Limit limit = limits.get(i);
                if (i > 0) {
                    policy.append(", ");
                }
                policy.append('"').append(itemName(name, limits, i)).append("\";q=").append(quota(limit))
                        .append(";w=").append(window(limit));
            }
            state.append('"').append(itemName(name, limits, binding)).append("\";r=").append(remaining(d));
            long t = reset(d);
            if (t >= 0) {
                state.append(";t=").append(t);
            }
            if (denied == null && (reported == null || d.remaining() < reported.decision().remaining())) {
                reported = item;
            }
        }
        if (policy.length() == 0) {
            return List.of();
        }
        List<HttpHeader> out = new ArrayList<>(5);
        out.add(new HttpHeader("RateLimit-Policy", policy.toString()));
        out.add(new HttpHeader("RateLimit", state.toString()));
        if (legacy && reported != null) {
            Decision d = reported.decision();
            out.add(new HttpHeader("X-RateLimit-Limit", Long.toString(quota(d.limit()))));
            out.add(new HttpHeader("X-RateLimit-Remaining", Long.toString(remaining(d))));
            long t = reset(d);
            if (t >= 0) {
                out.add(new HttpHeader("X-RateLimit-Reset", Long.toString(t)));
            }
        }
        return out;
    }

    /** Whether the item's state is known: false when the failure policy decided because the store failed. */
    private static boolean known(Enforcer.Item item) {
        return item.decision().reason() != Decision.Reason.STORE_UNAVAILABLE;
    }

    /** The header item name of limit {@code index} of a policy, as {@link #headers} describes. */
    static String itemName(String policy, List<Limit> limits, int index) {
        if (limits.size() == 1) {
            return policy;
        }
        for (int i = 0; i < limits.size(); i++) {
            for (int j = i + 1; j < limits.size(); j++) {
                if (periodText(limits.get(i)).equals(periodText(limits.get(j)))) {
                    return policy + "/" + (index + 1); // two limits share a period: every item by position
                }
            }
        }
        return policy + "/" + periodText(limits.get(index));
    }

    /** {@code Retry-After} in whole seconds: the wait rounded up, and at least 1 while denied. */
    static long retryAfterSeconds(Decision decision) {
        return Math.max(1, ceilSeconds(decision.retryAfterMicros()));
    }

    /**
     * The 429 answer: {@code headers} (the rate-limit headers of the request) plus {@code Retry-After}, and a problem
     * description naming the denying policy.
     */
    static ResponseValues tooManyRequests(List<HttpHeader> headers, Enforcer.Item denied) {
        Decision d = denied.decision();
        String name = denied.policy().name();
        long retryAfter = retryAfterSeconds(d);
        List<HttpHeader> all = new ArrayList<>(headers.size() + 1);
        all.addAll(headers);
        all.add(new HttpHeader("Retry-After", Long.toString(retryAfter)));
        String wait = retryAfter == 1 ? "1 second" : retryAfter + " seconds";
        if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
            return problem(all, 429, "about:blank", "Too Many Requests",
                    "The rate limit store is unavailable and policy " + name + " fails closed; retry after " + wait
                            + ".",
                    ",\"policy\":" + json(name) + ",\"retryAfter\":" + retryAfter);
        }
        Limit limit = d.limit();
        return problem(all, 429, QUOTA_EXCEEDED, "Too Many Requests",
                "Policy " + name + " allows " + limit.permits() + " requests per " + periodText(limit)
                        + (denied.policy().cost() > 1 ? " (this request costs " + denied.policy().cost() + ")" : "")
                        + "; retry after " + wait + ".",
                ",\"policy\":" + json(name) + ",\"retryAfter\":" + retryAfter + ",\"violated-policies\":["
                        + json(name) + "]");
    }

    /** The 401 answer: the request has no key for a policy that requires one. */
    static ResponseValues missingKey(Policy policy) {
        return problem(List.of(new HttpHeader("WWW-Authenticate", challenge(policy))), 401, "about:blank",
                "Unauthorized",
                "Policy " + policy.name() + " identifies clients by " + policy.key()
                        + ", and this request has no such key.",
                ",\"policy\":" + json(policy.name()));
    }

    /** The 401 answer: the request's key is on no plan and there is no default plan, so it is no valid credential. */
    static ResponseValues unknownPlan(Policy policy) {
        return problem(List.of(new HttpHeader("WWW-Authenticate", challenge(policy))), 401, "about:blank",
                "Unauthorized",
                "The key of this request (" + policy.key() + ") is on no plan, and policy " + policy.name()
                        + " admits no other keys.",
                ",\"policy\":" + json(policy.name()));
    }

    /**
     * The challenge a 401 must carry (RFC 9110 11.6.1): scheme {@code ApiKey}, the policy as the realm, and for a key
     * read from a header, that header ({@code ApiKey realm="perKey", header="X-API-Key"}), so a client learns which
     * credential is missing. Policy names and header names are tokens, so neither needs escaping.
     */
    static String challenge(Policy policy) {
        StringBuilder sb = new StringBuilder("ApiKey realm=\"").append(policy.name()).append('"');
        if (policy.key() instanceof NamedKeyResolver) {
            String spec = policy.key().toString();
            int at = spec.indexOf("header:");
            if (at >= 0) {
                int end = spec.indexOf('+', at);
                sb.append(", header=\"").append(spec, at + "header:".length(), end < 0 ? spec.length() : end)
                        .append('"');
            }
        }
        return sb.toString();
    }

    /**
     * An RFC 9457 problem answer. JSON is UTF-8 by definition (RFC 8259) and {@code application/problem+json} defines
     * no charset parameter, so the content type has none.
     */
    private static ResponseValues problem(List<HttpHeader> headers, int status, String type, String title,
            String detail, String extensions) {
        String body = "{\"type\":" + json(type) + ",\"title\":" + json(title) + ",\"status\":" + status
                + ",\"detail\":" + json(detail) + extensions + "}";
        return new ResponseValues(status, headers, PROBLEM_JSON, body);
    }

    private static long quota(Limit limit) {
        return Math.min(limit.permits(), SF_INTEGER_MAX);
    }

    /** The window in whole seconds, rounded up; a sub-second period reports w=1 (understating the quota). */
    private static long window(Limit limit) {
        return Math.max(1, ceilSeconds(limit.periodMicros()));
    }

    private static long remaining(Decision d) {
        return Math.min(d.remaining(), SF_INTEGER_MAX);
    }

    /** Seconds until more quota: the retry wait when denied, otherwise until full allowance; -1 when never. */
    private static long reset(Decision d) {
        long micros = d.allowed() ? d.resetAfterMicros() : d.retryAfterMicros();
        if (micros == Decision.NEVER_MICROS) {
            return -1;
        }
        long seconds = ceilSeconds(micros);
        return d.allowed() ? seconds : Math.max(1, seconds);
    }

    private static long ceilSeconds(long micros) {
        return micros <= 0 ? 0 : (micros - 1) / 1_000_000 + 1;
    }

    /** The period of a limit as written in a limit: {@code 10s} of {@code 1/10s}. */
    static String periodText(Limit limit) {
        String text = limit.toString();
        int slash = text.indexOf('/');
        int burst = text.indexOf(' ', slash);
        return burst < 0 ? text.substring(slash + 1) : text.substring(slash + 1, burst);
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
