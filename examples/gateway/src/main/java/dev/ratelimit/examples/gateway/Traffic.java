package dev.ratelimit.examples.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends a steady stream of requests to a gateway and prints, every second, how many each user got through per API
 * (200) and how many were turned away (429): alice (plan pro) and bob (plan free) each call {@code /api/orders} and
 * {@code /api/search} 10 times a second. Change the limits in Redis while it runs and watch the numbers follow.
 *
 * <pre>
 * mvn -q -pl examples/gateway exec:java -Dexec.mainClass=dev.ratelimit.examples.gateway.Traffic \
 *     -Dexec.args="http://localhost:8080 http://localhost:8081"
 * </pre>
 */
public final class Traffic {

    private Traffic() {
    }

    /**
     * Runs until stopped.
     *
     * @param args the gateways' base URLs; requests go round-robin (default {@code http://localhost:8080})
     * @throws Exception if interrupted
     */
    public static void main(String[] args) throws Exception {
        String[] gateways = args.length > 0 ? args : new String[] {"http://localhost:8080"};
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String[] users = {"alice", "bob"};
        String[] apis = {"/api/orders", "/api/search"};
        int n = 0;
        while (true) {
            Map<String, int[]> counts = new TreeMap<>();
            long end = System.nanoTime() + 1_000_000_000L;
            for (int tick = 0; tick < 10; tick++) {
                for (String user : users) {
                    for (String api : apis) {
                        String gateway = gateways[n++ % gateways.length];
                        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + api))
                                .header("X-User", user).timeout(Duration.ofSeconds(2)).build();
                        int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        int[] c = counts.computeIfAbsent(user + " " + api, k -> new int[2]);
                        c[status == 200 ? 0 : 1]++;
                    }
                }
                long pause = (end - System.nanoTime()) / (10 - tick);
                if (pause > 0) {
                    LockSupport.parkNanos(pause);
                }
            }
            StringBuilder line = new StringBuilder();
            counts.forEach((k, c) -> line.append(String.format("%-18s %2d ok %2d denied   ", k, c[0], c[1])));
            System.out.println(line);
        }
    }
}
