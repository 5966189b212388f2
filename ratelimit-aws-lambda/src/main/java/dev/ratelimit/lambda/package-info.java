/**
 * AWS Lambda behind API Gateway: the HTTP engine ({@code dev.ratelimit.http}) as a decorator of a function's
 * {@code RequestHandler}, for REST APIs (payload 1.0) and HTTP APIs (payload 2.0).
 *
 * <p>API: {@link dev.ratelimit.lambda.LambdaRateLimit} (configuration, store and metrics, built once per execution
 * environment, and the handler decorators), the request views {@link dev.ratelimit.lambda.RestApiRequestView} and
 * {@link dev.ratelimit.lambda.HttpApiRequestView}, the environment-variable mapping
 * {@link dev.ratelimit.lambda.EnvironmentConfig} and the CloudWatch metrics listener
 * {@link dev.ratelimit.lambda.EmbeddedMetrics}. Everything else in the package is internal. There is no SPI here.
 */
package dev.ratelimit.lambda;
