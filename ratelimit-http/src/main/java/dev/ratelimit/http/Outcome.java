package dev.ratelimit.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The engine's {@link Evaluation}: the verdict, the items for the headers (in policy order), for
 * {@link Enforcer.Verdict#DENY} the denying item, for {@link Enforcer.Verdict#MISSING_KEY} /
 * {@link Enforcer.Verdict#UNKNOWN_PLAN} the policy at fault. Response values are computed when asked for. One request
 * owns it; {@link #complete} is guarded so a second call does nothing.
 */
final class Outcome implements Evaluation {

    private final Enforcer enforcer;
    private final Enforcer.Verdict verdict;
    private final List<Enforcer.Item> items;
    private final Enforcer.Item denied;
    private final Policy rejectedBy;
    private volatile boolean completed;

    Outcome(Enforcer enforcer, Enforcer.Verdict verdict, List<Enforcer.Item> items, Enforcer.Item denied,
            Policy rejectedBy) {
        this.enforcer = enforcer;
        this.verdict = verdict;
        this.items = items;
        this.denied = denied;
        this.rejectedBy = rejectedBy;
    }

    Enforcer.Verdict verdict() {
        return verdict;
    }

    List<Enforcer.Item> items() {
        return items;
    }

    @Override
    public boolean proceed() {
        return verdict == Enforcer.Verdict.PASS || verdict == Enforcer.Verdict.ALLOW;
    }

    @Override
    public List<HttpHeader> responseHeaders() {
        return verdict != Enforcer.Verdict.ALLOW ? List.of()
                : Responses.headers(items, null, enforcer.legacyHeaders(), enforcer.shadowHeaders());
    }

    @Override
    public ResponseValues rejection() {
        return switch (verdict) {
            case PASS, ALLOW -> null;
            case DENY -> Responses.tooManyRequests(
                    Responses.headers(items, denied, enforcer.legacyHeaders(), enforcer.shadowHeaders()), denied);
            case MISSING_KEY -> Responses.missingKey(rejectedBy);
            case UNKNOWN_PLAN -> Responses.unknownPlan(rejectedBy);
        };
    }

    @Override
    public boolean settlesOnStatus() {
        if (verdict != Enforcer.Verdict.ALLOW || !enforcer.settlesOnStatus()) {
            return false;
        }
        for (Enforcer.Item item : items) {
            if (item.policy().settlesOnStatus()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void complete(int status) {
        if (completed || !settles(status)) {
            return;
        }
        completed = true;
        enforcer.settle(items, status);
    }

    @Override
    public CompletionStage<Void> completeAsync(int status) {
        if (completed || !settles(status)) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return CompletableFuture.runAsync(() -> complete(status), enforcer.executor());
        } catch (RejectedExecutionException e) {
            enforcer.settlementRefused(status, e);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Whether some item refunds or penalises on {@code status}: the common 200 costs nothing more. */
    private boolean settles(int status) {
        if (!settlesOnStatus()) {
            return false;
        }
        for (Enforcer.Item item : items) {
            if (item.policy().refundsOn(status) || item.policy().penalizesOn(status)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Evaluation{" + verdict + (denied != null ? ", denied by " + denied.policy().name() : "")
                + (rejectedBy != null ? ", rejected by " + rejectedBy.name() : "") + '}';
    }
}
