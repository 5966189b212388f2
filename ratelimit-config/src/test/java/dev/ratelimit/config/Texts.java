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

    private Texts() {
    }
}
