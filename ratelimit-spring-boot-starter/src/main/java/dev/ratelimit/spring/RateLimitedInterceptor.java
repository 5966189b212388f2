package dev.ratelimit.spring;

import dev.ratelimit.http.Evaluation;
import dev.ratelimit.http.HttpHeader;
import dev.ratelimit.http.RateLimitEngine;
import dev.ratelimit.http.ResponseValues;
import dev.ratelimit.servlet.ServletRequestView;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Spring MVC: applies the policy of a {@link RateLimited} handler method before it runs, and settles it by the final
 * status after the response. Requests to other handlers pass untouched.
 *
 * <p>Thread-safe.
 */
final class RateLimitedInterceptor implements HandlerInterceptor {

    private static final String EVALUATION = RateLimitedInterceptor.class.getName() + ".EVALUATION";

    private final MethodLimits limits;
    private final RateLimitRejectionCustomizer customizer;

    RateLimitedInterceptor(MethodLimits limits, RateLimitRejectionCustomizer customizer) {
        this.limits = limits;
        this.customizer = customizer;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (!(handler instanceof HandlerMethod method)) {
            return true;
        }
        RateLimitEngine engine = limits.engine(method.getMethod());
        if (engine == null) {
            return true;
        }
        ServletRequestView view = new ServletRequestView(request);
        Evaluation evaluation = engine.evaluate(view);
        if (!evaluation.proceed()) {
            ResponseValues answer = customizer == null ? evaluation.rejection()
                    : customizer.customize(view, evaluation.rejection());
            write(response, answer);
            return false;
        }
        for (HttpHeader header : evaluation.responseHeaders()) {
            if (AdditionalHeaders.isList(header.name())) {
                response.addHeader(header.name(), header.value());
            } else if (!response.containsHeader(header.name())) {
                response.setHeader(header.name(), header.value());
            }
        }
        if (evaluation.settlesOnStatus()) {
            request.setAttribute(EVALUATION, evaluation);
        }
        return true;
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception ex) {
        if (request.getAttribute(EVALUATION) instanceof Evaluation evaluation) {
            request.removeAttribute(EVALUATION);
            evaluation.complete(ex != null && !response.isCommitted() ? 500 : response.getStatus());
        }
    }

    private static void write(HttpServletResponse response, ResponseValues answer) throws IOException {
        byte[] body = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
        response.setStatus(answer.status());
        for (HttpHeader header : answer.headers()) {
            response.setHeader(header.name(), header.value());
        }
        if (answer.contentType() != null) {
            response.setHeader("Content-Type", answer.contentType());
        }
        response.setContentLength(body.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        }
    }
}
