/**
 * The HTTP rate-limit engine, free of any web framework: a request view in, a decision and response values out.
 *
 * <h2>API: for applications and front doors</h2>
 * <ul>
 *   <li>{@link dev.ratelimit.http.RateLimitEngine} and its builder: evaluates requests, settles them by status,
 *       takes configuration changes, penalises and refunds keys.</li>
 *   <li>{@link dev.ratelimit.http.Evaluation}, {@link dev.ratelimit.http.ResponseValues},
 *       {@link dev.ratelimit.http.HttpHeader}: what to do with a request and what to send.</li>
 *   <li>{@link dev.ratelimit.http.RateLimitConfig} (the properties schema of CONFIG.md, validated, with
 *       {@link dev.ratelimit.http.ConfigException} for a bad configuration), {@link dev.ratelimit.http.Policy},
 *       {@link dev.ratelimit.http.Plans}, {@link dev.ratelimit.http.Plan},
 *       {@link dev.ratelimit.http.TrustedProxies}, and the built-in {@link dev.ratelimit.http.KeyResolver}s.</li>
 *   <li>{@link dev.ratelimit.http.ConfigText} and {@link dev.ratelimit.http.ConfigStatus}: a configuration text
 *       with its version, and how the engine's configuration source is doing.</li>
 * </ul>
 *
 * <h2>SPI: implemented outside this module</h2>
 * <ul>
 *   <li>{@link dev.ratelimit.http.HttpRequestView}: each front door (servlet filter, Spring, AWS Lambda)
 *       implements it over its own request type.</li>
 *   <li>{@link dev.ratelimit.http.KeyResolver}: an application may implement its own key, for example a user id
 *       decoded from a token.</li>
 *   <li>{@link dev.ratelimit.http.ConfigSource}: where the configuration comes from (a file here; Redis and
 *       DynamoDB in {@code ratelimit-config}), followed by push and polling.</li>
 * </ul>
 *
 * <p>Everything else in the package is package-private and not API. The module depends on {@code ratelimit-core}
 * and {@code slf4j-api} only.
 */
package dev.ratelimit.http;
