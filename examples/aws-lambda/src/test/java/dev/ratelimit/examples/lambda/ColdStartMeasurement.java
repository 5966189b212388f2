package dev.ratelimit.examples.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Measures what the rate limits cost a Lambda function, against DynamoDB Local on this machine (not a unit test:
 * it prints figures, it asserts nothing). Each run starts a fresh JVM as a cold Lambda execution environment would
 * (with the template's {@code -XX:TieredStopAtLevel=1}) and measures:
 * <ul>
 *   <li>cold start: {@code new ApiFunction()} (configuration file and environment, DynamoDB client, table check)
 *       plus the first invocation, until its decision is back; and the JVM's uptime at that point;</li>
 *   <li>per invocation, warm: {@code GET /items} through the rate-limited handler (two policies apply: two
 *       conditional writes) against the bare {@link Routes}.</li>
 * </ul>
 * Run from the repository root:
 * <pre>
 * mvn -q -pl examples/aws-lambda -am test-compile
 * mvn -q -pl examples/aws-lambda dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp examples/aws-lambda/target/test-classes:examples/aws-lambda/target/classes:$(cat /tmp/cp.txt) \
 *     dev.ratelimit.examples.lambda.ColdStartMeasurement
 * </pre>
 */
public final class ColdStartMeasurement {

    private static final int RUNS = 3;
    private static final int WARM_INVOCATIONS = 400;

    private ColdStartMeasurement() {
    }

    /**
     * Starts DynamoDB Local, then {@value #RUNS} fresh JVMs that each measure once.
     *
     * @param args ignored
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        try (DynamoDbLocal local = DynamoDbLocal.start(); DynamoDbClient client = local.client()) {
            DynamoDbStore.createTable(client, "rate-limits");
            for (int run = 1; run <= RUNS; run++) {
                ProcessBuilder child = new ProcessBuilder(javaBinary(), "-XX:+TieredCompilation",
                        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        Probe.class.getName(), Integer.toString(run))
                        .inheritIO();
                Map<String, String> env = child.environment();
                env.keySet().removeIf(k -> k.startsWith("RATELIMIT_"));
                env.put("RATELIMIT_STORE_TABLE", "rate-limits");
                env.put("RATELIMIT_STORE_ENDPOINT", local.endpoint().toString());
                env.put("RATELIMIT_PLAN_KEYS__basic", "key-basic-1");
                env.put("RATELIMIT_PLAN_KEYS__premium", "key-premium-" + run);
                env.put("RATELIMIT_METRICS", "off");
                env.put("AWS_ACCESS_KEY_ID", "local");
                env.put("AWS_SECRET_ACCESS_KEY", "local");
                env.put("AWS_REGION", "us-east-1");
                long t0 = System.nanoTime();
                int exit = child.start().waitFor();
                System.out.printf("run %d: the JVM ran %.1f s in all%n", run, (System.nanoTime() - t0) / 1e9);
                if (exit != 0) {
                    throw new IllegalStateException("run " + run + " exited with " + exit);
                }
            }
        }
        // DynamoDB Local leaves a non-daemon thread behind that would keep this JVM up for minutes.
        System.exit(0);
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /** One cold execution environment. */
    public static final class Probe {

        private Probe() {
        }

        /**
         * Measures one cold start and the warm per-invocation figures, and prints them.
         *
         * @param args the run number
         */
        public static void main(String[] args) {
            String run = args[0];
            String key = "key-premium-" + run;
            long start = System.nanoTime();
            ApiFunction function = new ApiFunction();
            long built = System.nanoTime();
            APIGatewayProxyResponseEvent first = function.handleRequest(items(key, "192.0.2.1"), null);
            long firstDecision = System.nanoTime();
            long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
            if (first.getStatusCode() != 200) {
                throw new IllegalStateException("first request answered " + first.getStatusCode());
            }

            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> bare = new Routes();
            long[] limited = new long[WARM_INVOCATIONS];
            long[] plain = new long[WARM_INVOCATIONS];
            for (int i = 0; i < WARM_INVOCATIONS; i++) {
                APIGatewayProxyRequestEvent event = items(key, "192.0.2." + (i % 200));
                long t0 = System.nanoTime();
                int status = function.handleRequest(event, null).getStatusCode();
                long t1 = System.nanoTime();
                bare.handleRequest(event, null);
                long t2 = System.nanoTime();
                if (status != 200) {
                    throw new IllegalStateException("warm request " + i + " answered " + status);
                }
                limited[i] = t1 - t0;
                plain[i] = t2 - t1;
            }
            System.out.printf("run %s: build %.0f ms, first decision %.0f ms after build, cold start total %.0f ms"
                    + " (JVM uptime %d ms); warm per invocation: limited median %.2f ms, p99 %.2f ms, bare median"
                    + " %.3f ms%n", run, ms(built - start), ms(firstDecision - built), ms(firstDecision - start),
                    uptime, ms(percentile(limited, 50)), ms(percentile(limited, 99)), ms(percentile(plain, 50)));
        }

        private static APIGatewayProxyRequestEvent items(String apiKey, String sourceIp) {
            return new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath("/items").withResource("/items")
                    .withHeaders(Map.of("x-api-key", apiKey))
                    .withMultiValueHeaders(Map.of("x-api-key", List.of(apiKey)))
                    .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext().withStage("prod")
                            .withIdentity(new APIGatewayProxyRequestEvent.RequestIdentity().withSourceIp(sourceIp)));
        }

        private static long percentile(long[] values, int p) {
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }
    }
}
