package dev.ratelimit.http;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What the {@link RateLimitEngine} decided for one request, and how to settle it after the application answered.
 *
 * <p>A front door either passes the request on ({@link #proceed()}): it adds {@link #responseHeaders()} to the
 * application's response and, once the final status is known, calls {@link #complete(int)} (or
 * {@link #completeAsync(int)}) so that policies that refund or penalise by status can settle; or it sends
 * {@link #rejection()} and does not call the application.
 *
 * <p>Thread safety: an evaluation belongs to one request; {@link #complete} may be called from another thread than
 * the one that evaluated (an asynchronous request completes elsewhere), but only once.
 */
public interface Evaluation {

    /**
     * Whether the request goes on to the application: no policy applies, the request is excluded, or every
     * applicable policy allowed it.
     *
     * @return true to call the application, false to send {@link #rejection()}
     */
    boolean proceed();

    /**
     * The rate-limit headers to add to the application's response when {@link #proceed()}: {@code RateLimit-Policy},
     * {@code RateLimit} and (unless switched off) {@code X-RateLimit-*}. Set them before the application writes, so
     * they are sent with its headers.
     *
     * @return the headers; empty when no policy applies or the state is unknown, and when the request is rejected
     */
    List<HttpHeader> responseHeaders();

    /**
     * The whole answer when the request is rejected (429 over a limit or because the store fails closed, 401 for a
     * missing key or a key on no plan).
     *
     * @return the answer, or null when {@link #proceed()}
     */
    ResponseValues rejection();

    /**
     * Whether {@link #complete(int)} has anything to do: some applicable policy refunds or penalises by response
     * status. A front door may skip waiting for the final status when this is false.
     *
     * @return true if the final status matters
     */
    boolean settlesOnStatus();

    /**
     * Settles the request by the final status the application answered with: gives back the permits of policies
     * that refund on that status and spends the penalty of policies that penalise it. Call once, after the answer
     * is known (for an exception the application did not turn into a response, pass 500). A no-op when the request
     * was rejected or nothing settles by status. Store failures are logged (throttled) and otherwise ignored: the
     * response is on its way. Blocks on the store when it settles.
     *
     * @param status the final HTTP status, such as 200 or 503
     */
    void complete(int status);

    /**
     * {@link #complete(int)} without blocking the caller: the settlement runs on the engine's executor and the stage
     * completes when it is done (normally also when a store call failed, which is logged). If the executor refuses
     * the task (its queue is full), the settlement is skipped and logged, and the stage is already complete.
     *
     * @param status the final HTTP status
     * @return a stage completed once settled; already complete when nothing settles
     */
    CompletionStage<Void> completeAsync(int status);
}
