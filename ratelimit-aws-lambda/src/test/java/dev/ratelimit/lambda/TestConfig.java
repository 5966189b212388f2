package dev.ratelimit.lambda;

import java.util.Properties;

/** The test functions' configuration: the example's shape with limits small enough to reach in a test. */
final class TestConfig {

    private TestConfig() {
    }

    static Properties properties() {
        Properties p = new Properties();
        p.setProperty("ratelimit.policies", "perIp,perKey,upload");
        p.setProperty("ratelimit.policy.perIp.key", "ip");
        p.setProperty("ratelimit.policy.perIp.limits", "5/1s");
        p.setProperty("ratelimit.policy.perKey.key", "header:X-API-Key");
        p.setProperty("ratelimit.policy.perKey.plans", "true");
        p.setProperty("ratelimit.plan.basic.limits", "3/1s,10000/1d");
        p.setProperty("ratelimit.plan.premium.limits", "8/1s,100000/1d");
        p.setProperty("ratelimit.planKeys.basic", "key-basic-1");
        p.setProperty("ratelimit.planKeys.premium", "key-premium-1");
        p.setProperty("ratelimit.policy.upload.key", "principal");
        p.setProperty("ratelimit.policy.upload.paths", "/upload");
        p.setProperty("ratelimit.policy.upload.methods", "POST");
        p.setProperty("ratelimit.policy.upload.limits", "5/1d");
        p.setProperty("ratelimit.policy.upload.algorithm", "SLIDING_LOG");
        p.setProperty("ratelimit.policy.upload.refundOnStatus", "500-599");
        return p;
    }
}
