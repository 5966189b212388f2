/**
 * The servlet front door of the {@code ratelimit-http} engine.
 *
 * <h2>API</h2>
 * <ul>
 *   <li>{@link dev.ratelimit.servlet.RateLimitFilter}: the {@code jakarta.servlet.Filter}, for web.xml (init-params
 *       {@code config} and {@code storeFactory}) or code ({@link dev.ratelimit.servlet.RateLimitFilter#builder()},
 *       {@link dev.ratelimit.servlet.RateLimitFilterBuilder}, or a {@link dev.ratelimit.http.RateLimitEngine}).</li>
 *   <li>{@link dev.ratelimit.servlet.ServletRequestView}: a servlet request as the engine sees it, for calling the
 *       engine from servlet code (for example a penalty after a failed login).</li>
 * </ul>
 *
 * <h2>SPI</h2>
 * <ul>
 *   <li>{@link dev.ratelimit.servlet.StoreFactory}: implemented by applications to give a web.xml filter a Redis or
 *       DynamoDB store.</li>
 * </ul>
 *
 * <p>Policies, plans, keys, the configuration schema and the response values are the engine's, in
 * {@code dev.ratelimit.http}.
 */
package dev.ratelimit.servlet;
