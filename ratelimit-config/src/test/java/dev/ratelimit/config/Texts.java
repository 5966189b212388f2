package dev.ratelimit.config;

/** The configurations the fleet tests publish: one policy per user on plans, and its changes. */
final class Texts {

    /** basic: 2 per minute; bob is on premium (5 per minute); everyone else on basic. */
    static final String V1 = """
            ratelimit.policies=perUser
            ratelimit.policy.perUser.key=header:X-User
            ratelimit.policy.perUser.plans=true
            ratelimit.policy.perUser.algorithm=FIXED_WINDOW
            ratelimit.plan.basic.limits=2/1m
            ratelimit.plan.premium.limits=5/1m
            ratelimit.planKeys.premium=bob
            ratelimit.defaultPlan=basic
            """;

    /** basic raised to 4 per minute. */
    static final String V2 = V1.replace("basic.limits=2/1m", "basic.limits=4/1m");

    /** A typo in a limit: what must never reach the fleet. */
    static final String BAD = V2.replace("basic.limits=4/1m", "basic.limits=4/1minute");

    /**
     * As {@link #V1}, for a filter on the system clock (web.xml cannot inject one): a sliding log over an hour, so no
     * window boundary falls inside a test; basic is 2 per hour.
     */
    static final String HOURLY_V1 = V1.replace("FIXED_WINDOW", "SLIDING_LOG").replace("/1m", "/1h");

    /** basic raised to 4 per hour. */
    static final String HOURLY_V2 = HOURLY_V1.replace("basic.limits=2/1h", "basic.limits=4/1h");

    /** A typo in a limit. */
    static final String HOURLY_BAD = HOURLY_V2.replace("basic.limits=4/1h", "basic.limits=4/1hour");

    private Texts() {
    }
}
