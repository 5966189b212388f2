package dev.ratelimit.dynamodb;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StateTransition.Result;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * One limiter's keys in a {@link DynamoDbStore}.
 *
 * <h2>Three paths</h2>
 * <ul>
 *   <li><b>Single update</b> (fixed window, sliding window, token bucket): one conditional {@code UpdateItem}
 *       whose condition is the algorithm's admission test and whose update is its state change (see
 *       {@link FixedWindowLayout}, {@link SlidingWindowLayout}, {@link TokenBucketLayout}). It returns the old item
 *       either way ({@code ReturnValues=ALL_OLD} on success, {@code ReturnValuesOnConditionCheckFailure=ALL_OLD} on
 *       failure), and the decision is the reference transition applied to that old item, so remaining,
 *       resetAfter, retryAfter and the reported limit are the reference's exactly. A failed condition whose old
 *       item the reference would admit (a wrong guess of the form, or a change by another instance) is retried
 *       with the form that item calls for.</li>
 *   <li><b>Slot update</b> (sliding log): one conditional {@code UpdateItem} that writes the permits into free
 *       slots of each limit's ring ({@link SlidingLogLayout}); writers collide only on the same slot.</li>
 *   <li><b>Optimistic write</b> (every penalty or refund, and sliding log requests too large for one slot
 *       update or on an item of the earlier format): run the reference transition on the item and write the
 *       whole new state with {@code PutItem} conditioned on the version token the item had. The item comes from
 *       the per-key memory of the last write ({@link KnownStates}) when there is one, otherwise the write guesses
 *       that the key has no item ({@code attribute_not_exists}); a failed condition returns the current item, so
 *       neither a wrong guess nor a retry needs an extra read.</li>
 * </ul>
 * A decision that writes nothing (a denial) is checked against a consistent read unless the item was read during
 * this decision. Every path tries at most {@code maxAttempts} conditional writes. A decision that loses every
 * race is a denial ({@link #contended}), never an error and never an admission: losing races is contention,
 * not an outage. A penalty or refund that loses every race fails with a {@link StoreException}.
 *
 * <p>Thread-safe; atomic per key because every write is conditional.
 */
final class DynamoBinding implements StoreBinding {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoBinding.class);

    /** Where a binding reads the time; null means the time the limiter passes. */
    @FunctionalInterface
    interface Clock {
        long now(long callerMicros);
    }

    private final String table;
    private final PartitionKeys keys;
    private final StateTransition transition;
    private final List<Limit> limits;
    private final ItemLayout layout;
    private final SlidingLogLayout slotLayout;
    private final Io sync;
    private final Io async;
    private final KnownStates known;
    private final Clock clock;
    private final int maxAttempts;
    private final long smallestCapacity;

    DynamoBinding(String table, PartitionKeys keys, StateTransition transition, List<Limit> limits,
            ItemLayout layout, Io sync, Io async, KnownStates known, Clock clock, int maxAttempts) {
        this.table = table;
        this.keys = keys;
        this.transition = transition;
        this.limits = limits;
        this.layout = layout;
        this.slotLayout = layout instanceof SlidingLogLayout slots ? slots : null;
        this.sync = sync;
        this.async = async;
        this.known = known;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.smallestCapacity = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
    }

    @Override
    public Decision tryAcquire(String key, long permits, long nowMicros) {
        return join(decide(sync, key, permits, nowMicros));
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits, long nowMicros) {
        if (async == null) {
            return StoreBinding.super.tryAcquireAsync(key, permits, nowMicros);
        }
        try {
            return decide(async, key, permits, nowMicros);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Decision peek(String key, long nowMicros) {
        String pk = keys.of(key);
        return join(anchored(sync, pk).thenCompose(ignored -> {
            long now = time(nowMicros);
            return read(sync, pk).thenApply(item -> {
                known.put(pk, item);
                return transition.apply(item.state(), limits, 0, now).decision();
            });
        }));
    }

    @Override
    public Decision adjust(String key, long delta, long nowMicros) {
        String pk = keys.of(key);
        return join(anchored(sync, pk).thenCompose(ignored -> {
            long now = time(nowMicros);
            return optimistic(sync, pk, state -> transition.adjust(state, limits, delta, now), true, guess(pk), 1,
                    0, now);
        }));
    }

    @Override
    public void reset(String key) {
        String pk = keys.of(key);
        known.remove(pk);
        join(sync.delete(DeleteItemRequest.builder().tableName(table).key(key(pk))
                .overrideConfiguration(sync.override).build()));
        known.remove(pk);
    }

    private CompletableFuture<Decision> decide(Io io, String key, long permits, long nowMicros) {
        String pk = keys.of(key);
        return anchored(io, pk).thenCompose(ignored -> {
            long now = time(nowMicros);
            Known guess = known.get(pk);
            if (slotLayout != null) {
                return slots(io, pk, permits, now, guess != null ? guess : Known.GUESS_ABSENT, 1);
            }
            if (layout.hasFastPath() && permits <= smallestCapacity) {
                return single(io, pk, permits, now, guess, 1);
            }
            return optimistic(io, pk, state -> transition.apply(state, limits, permits, now), false,
                    guess != null ? guess : Known.GUESS_ABSENT, 1, permits, now);
        });
    }

    /**
     * With the service's time, the first decision of a store that has seen no response yet reads the key first,
     * so that no decision is made (and no state written) at an unanchored local time.
     */
    private CompletableFuture<Void> anchored(Io io, String pk) {
        if (io.clock == null || io.clock.anchored()) {
            return CompletableFuture.completedFuture(null);
        }
        return read(io, pk).thenAccept(item -> known.put(pk, item));
    }

    /**
     * What the optimistic path starts from: the remembered item, or else the guess that the key has no item. The
     * guess costs nothing when right (a new key: one conditional put) and one failed put when wrong, whose
     * {@code ALL_OLD} then replaces the read that would otherwise come first.
     */
    private Known guess(String pk) {
        Known guess = known.get(pk);
        return guess != null ? guess : Known.GUESS_ABSENT;
    }

    /** A conditional update of the key's item that returns the old item, whether or not the condition held. */
    private UpdateItemRequest conditionalUpdate(Io io, String pk, Expression e) {
        return UpdateItemRequest.builder()
                .tableName(table)
                .key(key(pk))
                .updateExpression(e.update())
                .conditionExpression(e.condition())
                .expressionAttributeNames(e.names())
                .expressionAttributeValues(e.values())
                .returnValues(ReturnValue.ALL_OLD)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .overrideConfiguration(io.override)
                .build();
    }

    /** The single-update path; {@code guess} may be stale or null. */
    private CompletableFuture<Decision> single(Io io, String pk, long permits, long now, Known guess, int attempt) {
        if (guess != null && guess.raw() != null) {
            // An item written under other limits (or by an earlier release): no form fits it, write it whole.
            return optimistic(io, pk, state -> transition.apply(state, limits, permits, now), false, guess, attempt,
                    permits, now);
        }
        String token = token();
        ItemLayout.FastUpdate update = layout.fastUpdate(guess, permits, now, token);
        Expression e = update.expression();
        UpdateItemRequest request = conditionalUpdate(io, pk, e);
        return io.update(request).handle((response, error) -> {
            if (error == null) {
                Map<String, AttributeValue> old = response.hasAttributes() ? response.attributes() : Map.of();
                long[] before = old.isEmpty() ? null : decode(pk, old);
                Result result = transition.apply(before, limits, permits, now);
                if (!result.decision().allowed()) {
                    throw inconsistent(pk);
                }
                List<String> stale = old.isEmpty() ? List.of()
                        : layout.staleNames(old, result.state(), update.removed());
                Known after = new Known(result.state(), token, stale, false);
                if (stale.size() > FixedWindowLayout.MAX_STALE) {
                    return cleanUp(io, pk, after).thenApply(ignored -> result.decision());
                }
                known.put(pk, after);
                return CompletableFuture.completedFuture(result.decision());
            }
            Known current = conditionFailure(pk, error);
            if (current.raw() != null) {
                // Written under other limits: write it whole, converted, even if the request is denied (the
                // reference stores a converted state with every request, so the next one continues from it).
                return optimistic(io, pk, state -> transition.apply(state, limits, permits, now), false, current,
                        attempt + 1, permits, now);
            }
            Result result = transition.apply(current.state(), limits, permits, now);
            if (!result.decision().allowed()) {
                known.put(pk, current);
                return CompletableFuture.completedFuture(result.decision());
            }
            if (attempt >= maxAttempts) {
                known.put(pk, current);
                return CompletableFuture.completedFuture(contended(pk, current.state(), now, attempt));
            }
            return single(io, pk, permits, now, current, attempt + 1);
        }).thenCompose(f -> f);
    }

    /** The sliding log's slot update; {@code basis} may be stale. */
    private CompletableFuture<Decision> slots(Io io, String pk, long permits, long now, Known basis, int attempt) {
        Result planned = transition.apply(basis.state(), limits, permits, now);
        if (!planned.decision().allowed()) {
            if (basis.fresh()) {
                known.put(pk, basis);
                return CompletableFuture.completedFuture(planned.decision());
            }
            return read(io, pk).thenCompose(item -> slots(io, pk, permits, now, item, attempt));
        }
        String token = token();
        boolean earlierFormat = basis.state() != null && basis.raw() == null;
        // A view remembered from a limiter of this namespace with other limits has other rings: write the whole
        // item (conditioned on its version) in this limiter's rings rather than guess slots from it.
        boolean otherRings = basis.raw() != null && !slotLayout.fits(basis.raw());
        SlidingLogLayout.SlotUpdate update = earlierFormat || otherRings ? null
                : slotLayout.slotUpdate(basis.raw(), basis.state(), permits, now, token);
        if (update == null) {
            return optimistic(io, pk, state -> transition.apply(state, limits, permits, now), false, basis, attempt,
                    permits, now);
        }
        Expression e = update.expression();
        UpdateItemRequest request = conditionalUpdate(io, pk, e);
        return io.update(request).handle((response, error) -> {
            if (error == null) {
                Known old = fromItem(pk, response.hasAttributes() ? response.attributes() : null);
                Result result = transition.apply(old.state(), limits, permits, now);
                if (!result.decision().allowed()) {
                    throw inconsistent(pk);
                }
                long[] after = slotLayout.after(old.raw(), update);
                known.put(pk, new Known(slotLayout.stateOf(after), token, List.of(), false, after));
                return CompletableFuture.completedFuture(result.decision());
            }
            Known current = conditionFailure(pk, error);
            if (attempt >= maxAttempts) {
                known.put(pk, current);
                Result seen = transition.apply(current.state(), limits, permits, now);
                return CompletableFuture.completedFuture(seen.decision().allowed()
                        ? contended(pk, current.state(), now, attempt) : seen.decision());
            }
            return slots(io, pk, permits, now, current, attempt + 1);
        }).thenCompose(f -> f);
    }

    /**
     * The optimistic path: apply {@code op} to what is known of the item and write the result if the item still
     * has the version it was computed from. With {@code alwaysWrite} false, a result that changes nothing is
     * returned once it rests on a read made during this decision.
     */
    private CompletableFuture<Decision> optimistic(Io io, String pk, Function<long[], Result> op,
            boolean alwaysWrite, Known basis, int attempt, long permits, long now) {
        Result result = op.apply(basis.state());
        if (!alwaysWrite && result.state() == basis.state()) {
            if (basis.fresh()) {
                known.put(pk, basis);
                return CompletableFuture.completedFuture(result.decision());
            }
            return read(io, pk).thenCompose(item -> {
                if (item.sameVersion(basis)) {
                    known.put(pk, item);
                    return CompletableFuture.completedFuture(result.decision());
                }
                return optimistic(io, pk, op, alwaysWrite, item, attempt, permits, now);
            });
        }
        String token = token();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ItemLayout.PK, AttributeValue.fromS(pk));
        layout.encode(result.state(), item);
        item.put(ItemLayout.TTL, AttributeValue.fromN(Long.toString(ItemLayout.ttlSeconds(result.state()[0]))));
        item.put(ItemLayout.VERSION, AttributeValue.fromN(token));
        PutItemRequest.Builder put = PutItemRequest.builder()
                .tableName(table)
                .item(item)
                .returnValues(ReturnValue.ALL_OLD)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .overrideConfiguration(io.override);
        if (basis.version() == null) {
            put.conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", ItemLayout.PK));
        } else if (basis.version().isEmpty()) {
            put.conditionExpression("attribute_exists(#k) AND attribute_not_exists(#v)")
                    .expressionAttributeNames(Map.of("#k", ItemLayout.PK, "#v", ItemLayout.VERSION));
        } else {
            put.conditionExpression("#v = :v")
                    .expressionAttributeNames(Map.of("#v", ItemLayout.VERSION))
                    .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(basis.version())));
        }
        return io.put(put.build()).handle((response, error) -> {
            if (error == null) {
                // The item replaced must be the one the condition named: a reply that says otherwise did not come
                // from DynamoDB applying this write.
                Known replaced = fromItem(pk, response.hasAttributes() ? response.attributes() : null);
                if (!replaced.sameVersion(basis)) {
                    throw new StoreException("PutItem of item " + pk + " in DynamoDB table '" + table + "' at "
                            + io.endpoint + " was answered with an item of version " + replaced.version()
                            + " although its condition required " + basis.version() + ": not a reply DynamoDB sends");
                }
                known.put(pk, new Known(result.state(), token, List.of(), false,
                        layout.rawAfterPut(result.state())));
                return CompletableFuture.completedFuture(result.decision());
            }
            Known current = conditionFailure(pk, error);
            if (attempt >= maxAttempts) {
                if (alwaysWrite) {
                    return CompletableFuture.<Decision>failedFuture(contention(pk, attempt));
                }
                known.put(pk, current);
                Result seen = transition.apply(current.state(), limits, permits, now);
                return CompletableFuture.completedFuture(seen.decision().allowed()
                        ? contended(pk, current.state(), now, attempt) : seen.decision());
            }
            return optimistic(io, pk, op, alwaysWrite, current, attempt + 1, permits, now);
        }).thenCompose(f -> f);
    }

    /**
     * The answer to a decision that lost {@code attempts} races in a row although the item, as last seen, had room:
     * a denial, because other writers are spending the key right now and admitting without a write could exceed
     * the limit. It reports the limit with the fewest permits left in the item as last seen, that item's
     * remaining and resetAfter, and as retryAfter one emission interval of that limit (period / permits, at
     * least 1 us): the average time between admissions when the key runs at its limit. Unlike a
     * {@link Decision.Reason#LIMIT_EXCEEDED} from the algorithm, this retryAfter is advice, not exact.
     */
    private Decision contended(String pk, long[] seen, long now, int attempts) {
        Decision peek = transition.apply(seen, limits, 0, now).decision();
        Limit limit = peek.limit();
        long interval = Math.max(1, -Math.floorDiv(-limit.periodMicros(), limit.permits()));
        if (LOG.isDebugEnabled()) {
            LOG.debug("denied {} in DynamoDB table '{}' after losing {} conditional writes to other writers",
                    pk, table, attempts);
        }
        return Decision.denied(limit, peek.remaining(), peek.resetAfterMicros(), interval);
    }

    private CompletableFuture<Known> read(Io io, String pk) {
        GetItemRequest request = GetItemRequest.builder()
                .tableName(table)
                .key(key(pk))
                .consistentRead(true)
                .overrideConfiguration(io.override)
                .build();
        return io.get(request).thenApply(response -> fromItem(pk, response.hasItem() ? response.item() : null));
    }

    /** Removes stale attributes at once; best effort, and only if the item is still as this decision left it. */
    private CompletableFuture<Void> cleanUp(Io io, String pk, Known after) {
        Expression e = new Expression();
        String version = e.name(ItemLayout.VERSION);
        e.require(version + " = " + e.number(after.version()));
        for (String name : after.stale()) {
            e.remove(name);
        }
        UpdateItemRequest request = UpdateItemRequest.builder()
                .tableName(table)
                .key(key(pk))
                .updateExpression(e.update())
                .conditionExpression(e.condition())
                .expressionAttributeNames(e.names())
                .expressionAttributeValues(e.values())
                .overrideConfiguration(io.override)
                .build();
        return io.update(request).handle((response, error) -> {
            if (error == null) {
                known.put(pk, new Known(after.state(), after.version(), List.of(), false));
            } else if (LOG.isDebugEnabled()) {
                LOG.debug("clean-up of {} stale attributes of {} in table '{}' did not apply", after.stale().size(),
                        pk, table, error);
            }
            return null;
        });
    }

    private Known conditionFailure(String pk, Throwable error) {
        Throwable cause = Failures.unwrap(error);
        if (cause instanceof ConditionalCheckFailedException failed) {
            return fromItem(pk, failed.hasItem() ? failed.item() : null);
        }
        throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
    }

    /** The item as the binding knows it; an item of a shape the store does not write is a StoreException. */
    private Known fromItem(String pk, Map<String, AttributeValue> item) {
        try {
            return Known.fromItem(item, layout);
        } catch (BadItem e) {
            throw badItem(pk, e);
        }
    }

    private long[] decode(String pk, Map<String, AttributeValue> item) {
        try {
            return layout.decode(item);
        } catch (BadItem e) {
            throw badItem(pk, e);
        }
    }

    private StoreException badItem(String pk, BadItem e) {
        return new StoreException("item " + pk + " in DynamoDB table '" + table + "' is not one this store wrote: "
                + e.getMessage() + " (written by something else, or by a later release?)", e);
    }

    private StoreException inconsistent(String pk) {
        return new StoreException("item " + pk + " in DynamoDB table '" + table + "' passed the condition of a"
                + " request the algorithm denies; was it written by something else?");
    }

    private StoreException contention(String pk, int attempts) {
        return new StoreException("gave up adjusting key " + pk + " in DynamoDB table '" + table + "' after "
                + attempts + " conditional writes: other writers changed it every time (raise maxAttempts for"
                + " hotter keys)");
    }

    private long time(long nowMicros) {
        return clock != null ? clock.now(nowMicros) : nowMicros;
    }

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of(ItemLayout.PK, AttributeValue.fromS(pk));
    }

    private static String token() {
        return Long.toString(ThreadLocalRandom.current().nextLong());
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = Failures.unwrap(e);
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new StoreException("DynamoDB call failed", cause);
        }
    }
}
