/**
 * The AWS Lambda example: {@link dev.ratelimit.examples.lambda.ApiFunction}, the handler template.yaml names, wraps
 * {@link dev.ratelimit.examples.lambda.Routes} with the rate limits of {@code ratelimit.properties} and the
 * function's environment. An example to copy, not published.
 */
package dev.ratelimit.examples.lambda;
