package dev.ratelimit.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.ratelimit.http.Evaluation;
import dev.ratelimit.http.HttpHeader;
import dev.ratelimit.http.HttpRequestView;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.http.ResponseValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A handler behind the engine, for one API Gateway payload version: a denied request never reaches the handler and
 * gets the engine's answer; an allowed one gets the engine's headers on the handler's response, and is settled by
 * its status (an exception counts as 500, a null response or status as 502) before the invocation returns. The
 * payload versions differ only in their event and response types, which the subclasses translate. Thread-safe if
 * its handler is.
 *
 * @param <I> the API Gateway request event
 * @param <O> the API Gateway response event
 */
abstract class DecoratedHandler<I, O> implements RequestHandler<I, O> {

    private final RateLimitEngine engine;
    private final EmbeddedMetrics metrics;
    /** Polls a shared configuration before each invocation that is due; null for a file. */
    private final InvocationPolling polling;
    private final RequestHandler<I, O> handler;

    DecoratedHandler(RateLimitEngine engine, EmbeddedMetrics metrics, InvocationPolling polling,
            RequestHandler<I, O> handler) {
        this.engine = engine;
        this.metrics = metrics;
        this.polling = polling;
        this.handler = handler;
    }

    /** The engine's view of the event. */
    abstract HttpRequestView view(I event);

    /** The response's status, or null if it has none. */
    abstract Integer status(O response);

    /** A response with this status, single-valued headers and body. */
    abstract O response(int status, Map<String, String> headers, String body);

    abstract Map<String, String> headers(O response);

    abstract Map<String, List<String>> multiValueHeaders(O response);

    abstract void setHeaders(O response, Map<String, String> headers);

    abstract void setMultiValueHeaders(O response, Map<String, List<String>> headers);

    @Override
    public final O handleRequest(I event, Context context) {
        try {
            if (polling != null) {
                polling.pollIfDue();
            }
            Evaluation evaluation = engine.evaluate(view(event));
            if (!evaluation.proceed()) {
                ResponseValues rejection = evaluation.rejection();
                if (metrics != null) {
                    metrics.request(false, rejection.status());
                }
                return rejection(rejection);
            }
            if (metrics != null) {
                metrics.request(true, 0);
            }
            int status = 500;
            try {
                O response = handler.handleRequest(event, context);
                Integer sent = response == null ? null : status(response);
                status = sent == null ? 502 : sent;
                if (response != null) {
                    addHeaders(response, evaluation.responseHeaders());
                }
                return response;
            } finally {
                evaluation.complete(status);
            }
        } finally {
            if (metrics != null) {
                metrics.flush();
            }
        }
    }

    private O rejection(ResponseValues values) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpHeader h : values.headers()) {
            headers.merge(h.name(), h.value(), (a, b) -> a + ", " + b);
        }
        headers.put("Content-Type", values.contentType());
        return response(values.status(), headers, values.body());
    }

    /** Adds the engine's headers, replacing the handler's headers of the same names in any spelling. */
    private void addHeaders(O response, List<HttpHeader> add) {
        if (add.isEmpty()) {
            return;
        }
        Map<String, String> single = headers(response);
        Map<String, String> headers = single == null ? new LinkedHashMap<>() : new LinkedHashMap<>(single);
        Map<String, List<String>> multiple = multiValueHeaders(response);
        Map<String, List<String>> multi = multiple == null ? null : new LinkedHashMap<>(multiple);
        for (HttpHeader h : add) {
            Headers.removeIgnoringCase(headers, h.name());
            Headers.removeIgnoringCase(multi, h.name());
        }
        for (HttpHeader h : add) {
            headers.merge(h.name(), h.value(), (a, b) -> a + ", " + b);
        }
        setHeaders(response, headers);
        if (multi != null) {
            setMultiValueHeaders(response, multi);
        }
    }

    @Override
    public String toString() {
        return "rate-limited " + handler;
    }
}
