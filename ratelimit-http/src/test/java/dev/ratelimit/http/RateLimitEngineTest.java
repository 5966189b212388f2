package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.memory.InMemoryStore;
import dev.ratelimit.testkit.CountingStore;
import dev.ratelimit.testkit.FailingStore;
import dev.ratelimit.testkit.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine without a server: all-or-nothing over several policies, settlement by status, missing keys and plans,
 * exclusions, the asynchronous path, and the builder's rules. The response values themselves are in
 * {@link ResponsesTest}.
 */
class RateLimitEngineTest {

    private final FakeClock clock = new FakeClock();

    private static Policy.Builder perKey() {
        return Policy.builder("perKey").key(KeyResolver.header("X-API-Key"));
    }

    private static Policy global(String limit) {
        return Policy.builder("global").key(KeyResolver.constant("all")).limits(Limit.parse(limit)).build();
    }

    private RateLimitEngine.Builder engine() {
        return RateLimitEngine.builder().timeSource(clock);
    }

    private static TestRequest withKey(String key) {
        return TestRequest.get("/api/x").header("X-API-Key", key);
    }

    @Test
    void whenALaterPolicyDeniesTheEarlierOnesAreRefundedAndTheRestNotAsked() {
        CountingStore store = CountingStore.wrapping(InMemoryStore.create());
        RateLimitEngine engine = engine().store(store)
                .policy(global("10/1m"))
                .policy(perKey().limits(Limit.parse("1/1m")).build())
                .policy(Policy.builder("never").key(KeyResolver.constant("n")).limits(Limit.parse("5/1m")).build())
                .build();
        assertThat(engine.evaluate(withKey("k")).proceed()).isTrue();
        long before = store.acquires();
        Evaluation denied = engine.evaluate(withKey("k"));
        assertThat(denied.proceed()).isFalse();
        assertThat(denied.rejection().status()).isEqualTo(429);
        assertThat(store.acquires() - before).as("global and perKey asked, never not").isEqualTo(2);
        // global's permit for the denied request was given back: 10 - 1 (the allowed request) = 9.
        assertThat(engine.limiter("global", null).peek("all").remaining()).isEqualTo(9);
        assertThat(engine.limiter("never", null).peek("n").remaining()).isEqualTo(4);
    }

    @Test
    void aShadowPolicyDecidesButNeverBlocksAndIsNotRefunded() {
        RateLimitEngine engine = engine()
                .policy(Policy.builder("observe").key(KeyResolver.constant("o")).limits(Limit.parse("1/1m"))
                        .shadow(true).build())
                .policy(perKey().limits(Limit.parse("2/1m")).build())
                .build();
        assertThat(engine.evaluate(withKey("k")).proceed()).isTrue();
        assertThat(engine.evaluate(withKey("k")).proceed()).as("shadow over its limit").isTrue();
        assertThat(engine.evaluate(withKey("k")).proceed()).as("perKey over its limit").isFalse();
        assertThat(engine.limiter("observe", null).peek("o").remaining()).isZero();
    }

    @Test
    void aMissingKeySpendsNothingAnywhereAndIsAnswered401() {
        RateLimitEngine engine = engine().policy(global("10/1m")).policy(perKey().limits(Limit.parse("5/1m")).build())
                .build();
        Evaluation e = engine.evaluate(TestRequest.get("/api/x"));
        assertThat(e.proceed()).isFalse();
        assertThat(e.responseHeaders()).isEmpty();
        assertThat(e.rejection().status()).isEqualTo(401);
        assertThat(e.rejection().header("WWW-Authenticate")).isEqualTo("ApiKey realm=\"perKey\", header=\"X-API-Key\"");
        assertThat(engine.limiter("global", null).peek("all").remaining()).isEqualTo(10);
        // A blank header is no key either.
        assertThat(engine.evaluate(withKey("  ")).rejection().status()).isEqualTo(401);
    }

    @Test
    void anonymousRequestsShareOneBucket() {
        RateLimitEngine engine = engine().policy(perKey().limits(Limit.parse("2/1m"))
                .onMissingKey(Policy.MissingKey.ANONYMOUS).build()).build();
        assertThat(engine.evaluate(TestRequest.get("/")).proceed()).isTrue();
        assertThat(engine.evaluate(TestRequest.get("/").from("198.51.100.7")).proceed()).isTrue();
        assertThat(engine.evaluate(TestRequest.get("/")).proceed()).isFalse();
        assertThat(engine.evaluate(withKey("k")).proceed()).as("a keyed client has its own bucket").isTrue();
    }

    @Test
    void aKeyOnNoPlanIsRejectedUnlessThereIsADefaultPlan() {
        Plans plans = Plans.builder().plan(Plan.of("basic", Limit.parse("1/1m")))
                .plan(Plan.of("premium", Limit.parse("3/1m"))).assign("p-key", "premium").build();
        RateLimitEngine engine = engine().policy(perKey().limitsFromPlans().build()).plans(plans).build();
        assertThat(engine.evaluate(withKey("stranger")).rejection().status()).isEqualTo(401);
        for (int i = 0; i < 3; i++) {
            assertThat(engine.evaluate(withKey("p-key")).proceed()).isTrue();
        }
        assertThat(engine.evaluate(withKey("p-key")).proceed()).isFalse();

        engine.updatePlans(Plans.builder().plan(Plan.of("basic", Limit.parse("1/1m")))
                .plan(Plan.of("premium", Limit.parse("3/1m"))).assign("p-key", "premium").defaultPlan("basic")
                .build());
        assertThat(engine.evaluate(withKey("stranger")).proceed()).isTrue();
        assertThat(engine.evaluate(withKey("stranger")).proceed()).isFalse();
        assertThat(engine.evaluate(withKey("p-key")).proceed()).as("unchanged plan keeps its state").isFalse();
    }

    @Test
    void excludedPathsAndRequestsNoPolicyAppliesToProceedWithoutHeaders() {
        RateLimitEngine engine = engine().policy(Policy.builder("api").paths("/api/**").methods("GET")
                .key(KeyResolver.constant("a")).limits(Limit.parse("1/1m")).build()).exclude("/api/health").build();
        for (TestRequest r : List.of(TestRequest.get("/api/health"), TestRequest.get("/other"),
                TestRequest.get("/api/x").method("POST"))) {
            Evaluation e = engine.evaluate(r);
            assertThat(e.proceed()).as(r.toString()).isTrue();
            assertThat(e.responseHeaders()).isEmpty();
            assertThat(e.rejection()).isNull();
            assertThat(e.settlesOnStatus()).isFalse();
        }
        assertThat(engine.evaluate(TestRequest.get("/api/x").method("HEAD")).proceed()).as("GET covers HEAD")
                .isTrue();
        assertThat(engine.evaluate(TestRequest.get("/api/x/")).proceed()).as("a trailing slash does not escape")
                .isFalse();
        assertThat(engine.evaluate(TestRequest.get("/api/health/")).proceed())
                .as("an exclusion is not widened by a spelling").isFalse();
    }

    @Test
    void aRefundStatusGivesThePermitsBackAndAPenaltyStatusSpendsMore() {
        RateLimitEngine engine = engine()
                .policy(perKey().paths("/api/**").limits(Limit.parse("10/1m")).refundOnStatus("500-599").build())
                .policy(Policy.builder("login").paths("/login").key(KeyResolver.constant("l"))
                        .limits(Limit.parse("10/1m")).penaltyOnStatus("401", 3).build())
                .build();
        Evaluation failed = engine.evaluate(withKey("k"));
        assertThat(failed.settlesOnStatus()).isTrue();
        failed.complete(503);
        failed.complete(503); // a second call does nothing
        assertThat(engine.limiter("perKey", null).peek("k").remaining()).isEqualTo(10);
        engine.evaluate(withKey("k")).complete(200);
        assertThat(engine.limiter("perKey", null).peek("k").remaining()).isEqualTo(9);

        engine.evaluate(TestRequest.get("/login")).complete(401);
        assertThat(engine.limiter("login", null).peek("l").remaining()).isEqualTo(6);
        engine.evaluate(TestRequest.get("/login")).complete(200);
        assertThat(engine.limiter("login", null).peek("l").remaining()).isEqualTo(5);
    }

    @Test
    void completeAsyncSettlesOnTheExecutor() {
        List<Runnable> queued = new java.util.ArrayList<>();
        RateLimitEngine engine = engine().executor(queued::add)
                .policy(perKey().limits(Limit.parse("10/1m")).refundOnStatus("500").build()).build();
        var stage = engine.evaluate(withKey("k")).completeAsync(500).toCompletableFuture();
        assertThat(stage).isNotDone();
        assertThat(engine.limiter("perKey", null).peek("k").remaining()).isEqualTo(9);
        queued.forEach(Runnable::run);
        assertThat(stage).isCompleted();
        assertThat(engine.limiter("perKey", null).peek("k").remaining()).isEqualTo(10);
        assertThat(engine.evaluate(withKey("k")).completeAsync(200).toCompletableFuture())
                .as("nothing to settle: already complete").isCompleted();
    }

    @Test
    void theAsynchronousPathDecidesAsTheBlockingOne() {
        List<Runnable> queued = new java.util.ArrayList<>();
        RateLimitEngine engine = engine().executor(queued::add).policy(global("10/1m"))
                .policy(perKey().limits(Limit.parse("1/1m")).build()).build();
        assertThat(engine.evaluateAsync(withKey("k")).toCompletableFuture().join().proceed()).isTrue();
        var denied = engine.evaluateAsync(withKey("k")).toCompletableFuture();
        assertThat(denied).as("the refund of global waits for the executor").isNotDone();
        queued.forEach(Runnable::run);
        assertThat(denied.join().rejection().status()).isEqualTo(429);
        assertThat(engine.limiter("global", null).peek("all").remaining()).isEqualTo(9);
        assertThat(engine.evaluateAsync(TestRequest.get("/")).toCompletableFuture().join().rejection().status())
                .isEqualTo(401);
    }

    @Test
    void aRefusingExecutorSkipsTheRefundAndTheSettlementButAnswersAtOnce() {
        java.util.concurrent.Executor full = task -> {
            throw new java.util.concurrent.RejectedExecutionException("queue full");
        };
        RateLimitEngine engine = engine().executor(full).policy(global("10/1m"))
                .policy(perKey().limits(Limit.parse("1/1m")).build()).build();
        assertThat(engine.evaluateAsync(withKey("k")).toCompletableFuture().join().proceed()).isTrue();
        var denied = engine.evaluateAsync(withKey("k")).toCompletableFuture();
        assertThat(denied).as("answered without waiting for the refused refund").isCompleted();
        assertThat(denied.join().rejection().status()).isEqualTo(429);
        assertThat(engine.limiter("global", null).peek("all").remaining())
                .as("global stays charged for the denied request: never more than the limit").isEqualTo(8);

        RateLimitEngine settling = engine().executor(full)
                .policy(perKey().limits(Limit.parse("10/1m")).refundOnStatus("500").penaltyOnStatus("401", 3)
                        .build())
                .build();
        assertThat(settling.evaluate(withKey("a")).completeAsync(500).toCompletableFuture())
                .as("refused: skipped, already complete").isCompleted();
        assertThat(settling.limiter("perKey", null).peek("a").remaining()).as("no refund").isEqualTo(9);
        assertThat(settling.evaluate(withKey("b")).completeAsync(401).toCompletableFuture()).isCompleted();
        assertThat(settling.limiter("perKey", null).peek("b").remaining()).as("no penalty either").isEqualTo(9);
    }

    @Test
    void theDefaultExecutorIsTheEnginesOwnAndIsShutDownOnClose() throws Exception {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        RateLimitEngine engine = engine()
                .policy(perKey().limits(Limit.parse("10/1m")).refundOnStatus("500").build()).build();
        engine.evaluate(withKey("k")).completeAsync(500).toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Thread.getAllStackTraces().keySet()).as("the settlement started a daemon thread of the engine's")
                .anyMatch(t -> !before.contains(t) && t.getName().startsWith("ratelimit-engine-") && t.isDaemon());
        assertThat(engine.limiter("perKey", null).peek("k").remaining()).isEqualTo(10);
        engine.close();
        assertThat(engine.evaluate(withKey("k")).completeAsync(500).toCompletableFuture())
                .as("after close the executor refuses: skipped, not thrown").isCompleted();
        assertThat(engine.limiter("perKey", null).peek("k").remaining()).isEqualTo(9);
    }

    @Test
    void penalizeAndRefundFindTheKeyAsEvaluateDoes() {
        RateLimitEngine engine = engine().policy(perKey().limits(Limit.parse("10/1m")).build()).build();
        Decision after = engine.penalize("perKey", withKey("k"), 4);
        assertThat(after.remaining()).isEqualTo(6);
        assertThat(engine.refund("perKey", "k", 1).remaining()).isEqualTo(7);
        assertThat(engine.refund("perKey", withKey("k"), 1).remaining()).isEqualTo(8);
        assertThatThrownBy(() -> engine.penalize("perKey", TestRequest.get("/"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key for policy perKey");
        assertThatThrownBy(() -> engine.penalize("nope", "k", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no policy is named nope");
        assertThatThrownBy(() -> engine.penalize("perKey", "", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBuilderOptionSetTwiceTakesTheLastCall() {
        // failurePolicy(deny) then localFallback(): the local limits apply while the store fails.
        RateLimitEngine local = engine().store(FailingStore.create()).failurePolicy(FailurePolicy.deny())
                .localFallback().policy(perKey().limits(Limit.parse("1/1m")).build()).build();
        assertThat(local.evaluate(withKey("k")).proceed()).isTrue();
        assertThat(local.evaluate(withKey("k")).proceed()).isFalse();
        // localFallback() then failurePolicy(deny): every request is denied while the store fails.
        RateLimitEngine deny = engine().store(FailingStore.create()).localFallback()
                .failurePolicy(FailurePolicy.deny()).policy(perKey().limits(Limit.parse("1/1m")).build()).build();
        assertThat(deny.evaluate(withKey("k")).rejection().header("Retry-After")).isEqualTo("1");
        // Policy and Plans builders too.
        Policy p = perKey().limits(Limit.parse("1/1m")).cost(1).cost(2).limitsFromPlans()
                .limits(List.of(Limit.parse("5/1s"))).build();
        assertThat(p.cost()).isEqualTo(2);
        assertThat(p.limits()).containsExactly(Limit.parse("5/1s"));
        assertThat(p.limitsFromPlans()).isFalse();
        Plans plans = Plans.builder().plan(Plan.of("a", Limit.parse("1/1s"))).plan(Plan.of("b", Limit.parse("2/1s")))
                .defaultPlan("a").defaultPlan("b").assign("k", "a").assign("k", "b").build();
        assertThat(plans.defaultPlan().name()).isEqualTo("b");
        assertThat(plans.planFor("k").name()).isEqualTo("b");
    }

    @Test
    void theBuilderNeedsOneSourceOfConfiguration() {
        assertThatThrownBy(() -> RateLimitEngine.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no policy");
        RateLimitConfig config = RateLimitConfig.parse(props("ratelimit.policies=p", "ratelimit.policy.p.key=ip",
                "ratelimit.policy.p.limits=1/1s"));
        assertThatThrownBy(() -> RateLimitEngine.builder().config(config).policy(global("1/1s")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("do not set them in the builder");
        assertThatThrownBy(() -> RateLimitEngine.builder().localDenyCache(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> RateLimitEngine.builder().configLocation("/etc/x.properties"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/etc/x.properties");
    }

    @Test
    void aPolicyRemovedByAnUpdateIsReportedToTheListenerAndOneWithChangedLimitsIsNot() {
        List<String> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.ratelimit.RateLimitListener listener = new dev.ratelimit.RateLimitListener() {
            @Override
            public void onLimiterRemoved(String limiter) {
                removed.add(limiter);
            }
        };
        RateLimitEngine engine = engine().listener(listener).config(RateLimitConfig.parse(props(
                "ratelimit.policies=p,q", "ratelimit.policy.p.key=ip", "ratelimit.policy.p.limits=2/1m",
                "ratelimit.policy.q.key=ip", "ratelimit.policy.q.limits=5/1m"))).build();
        engine.evaluate(TestRequest.get("/"));
        String p = engine.limiter("p", null).name();
        String q = engine.limiter("q", null).name();
        assertThat(p).isNotEqualTo(q);
        engine.update(RateLimitConfig.parse(props("ratelimit.policies=p", "ratelimit.policy.p.key=ip",
                "ratelimit.policy.p.limits=3/1m")));
        assertThat(removed).containsExactly(q);
        assertThat(engine.limiter("p", null).name()).isEqualTo(p);
        // The spent permit carried over to p's new limits (same namespace): the bucket keeps its deficit of 1.
        assertThat(engine.limiter("p", null).peek("192.0.2.1").remaining()).isEqualTo(2);
    }

    @Test
    void updateKeepsTheStateOfUnchangedPoliciesAndRefusesAnInvalidSetWhole() {
        RateLimitConfig config = RateLimitConfig.parse(props("ratelimit.policies=p,q", "ratelimit.policy.p.key=ip",
                "ratelimit.policy.p.limits=2/1m", "ratelimit.policy.q.key=ip", "ratelimit.policy.q.limits=5/1m"));
        RateLimitEngine engine = engine().config(config).build();
        engine.evaluate(TestRequest.get("/"));
        engine.update(RateLimitConfig.parse(props("ratelimit.policies=p,q", "ratelimit.policy.p.key=ip",
                "ratelimit.policy.p.limits=2/1m", "ratelimit.policy.q.key=ip", "ratelimit.policy.q.limits=6/1m")));
        assertThat(engine.limiter("p", null).peek("192.0.2.1").remaining()).isEqualTo(1);
        // q's limits changed: its spent permit carries over (token bucket: the deficit of 1 is kept, so 6 - 1
        // remain), no fresh allowance.
        assertThat(engine.limiter("q", null).peek("192.0.2.1").remaining()).isEqualTo(5);
        assertThat(engine.config().policies()).extracting(Policy::name).containsExactly("p", "q");
        assertThatThrownBy(() -> engine.updatePolicies(List.of(global("1/1s"), global("2/1s"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two policies are named global");
        assertThat(engine.config().policies()).extracting(Policy::name).containsExactly("p", "q");
    }

    @Test
    void aChangedFileIsPutInForceAfterTheReloadIntervalAndABrokenOneIsNot(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rl.properties");
        Files.write(file, List.of("ratelimit.policies=p", "ratelimit.policy.p.key=ip", "ratelimit.policy.p.limits=1/1m",
                "ratelimit.reload=10s"));
        RateLimitEngine engine = engine().configLocation("file:" + file).build();
        assertThat(engine.evaluate(TestRequest.get("/")).proceed()).isTrue();
        Files.write(file, List.of("ratelimit.policies=p", "ratelimit.policy.p.key=ip", "ratelimit.policy.p.limits=3/1m",
                "ratelimit.reload=10s"));
        assertThat(engine.evaluate(TestRequest.get("/")).proceed()).as("not yet due").isFalse();
        clock.advance(Duration.ofSeconds(20));
        // The deficit carries over: 2/3 of a permit short, still a denial under 1/1m, two permits free under 3/1m.
        assertThat(engine.evaluate(TestRequest.get("/")).proceed()).as("3/1m in force").isTrue();
        Files.write(file, List.of("ratelimit.policies=p", "ratelimit.policy.p.key=ip", "ratelimit.policy.p.limits=x"));
        clock.advance(Duration.ofSeconds(20));
        assertThat(engine.evaluate(TestRequest.get("/")).proceed()).as("3/1m still in force").isTrue();
        assertThat(engine.config().policies().get(0).limits()).containsExactly(Limit.parse("3/1m"));
        assertThatThrownBy(engine::reloadConfiguration).isInstanceOf(ConfigException.class)
                .hasMessageContaining("file:" + file).hasMessageContaining("ratelimit.policy.p.limits=x");
    }

    static java.util.Properties props(String... lines) {
        java.util.Properties p = new java.util.Properties();
        for (String line : lines) {
            int eq = line.indexOf('=');
            p.setProperty(line.substring(0, eq), line.substring(eq + 1));
        }
        return p;
    }
}
