package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.TrustedProxies;
import dev.ratelimit.testkit.FakeClock;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client-IP key over real HTTP: which address a request counts against, given the TCP peer (127.0.0.1 or ::1),
 * the trusted proxy blocks and the forwarding headers the request carries. The key is read back from the limiter's
 * listener, so every row asserts the exact key.
 */
class ClientIpHttpTest {

    /** The blocks a proxy-fronted deployment trusts: loopback (where our requests come from) and two networks. */
    private static final List<String> TRUSTED = List.of("127.0.0.1/32", "::1/128", "10.0.0.0/8", "2001:db8:1::/48");

    private static final RecordingListener XFF_EVENTS = new RecordingListener();
    private static final RecordingListener FORWARDED_EVENTS = new RecordingListener();
    private static TestServer xffServer;
    private static TestServer forwardedServer;

    @BeforeAll
    static void startServers() throws Exception {
        xffServer = TestServer.start(ipFilter(TrustedProxies.of(TrustedProxies.Header.X_FORWARDED_FOR, TRUSTED),
                "1000/1m", XFF_EVENTS));
        forwardedServer = TestServer.start(ipFilter(TrustedProxies.of(TrustedProxies.Header.FORWARDED, TRUSTED),
                "1000/1m", FORWARDED_EVENTS));
    }

    @AfterAll
    static void stopServers() throws Exception {
        xffServer.close();
        forwardedServer.close();
    }

    /**
     * A filter keyed by each client address (/32 and /128): these tests pin which address the walk over the proxies
     * finds and how it is normalised. The default grouping of IPv6 clients by /64 is {@link IpPrefixHttpTest}'s.
     */
    private static RateLimitFilter ipFilter(TrustedProxies proxies, String limit, RecordingListener listener) {
        return RateLimitFilter.builder()
                .policy(Policy.builder("ip").key(KeyResolver.clientIp(proxies, 32, 128)).limits(Limit.parse(limit))
                        .build())
                .timeSource(new FakeClock())
                .listener(listener)
                .build();
    }

    /** The one key the request was counted against. */
    private static String keyOf(TestServer server, RecordingListener events, String... headers) throws Exception {
        events.events.clear();
        HttpResponse<String> response = server.get("/", headers);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(events.events).hasSize(1);
        String event = events.events.get(0);
        assertThat(event).startsWith("allowed http:ip ");
        return event.substring("allowed http:ip ".length());
    }

    @ParameterizedTest(name = "from a trusted peer, X-Forwarded-For: [{0}] counts against {1}")
    @CsvSource(delimiter = '|', value = {
        // no header: the peer itself
        "                                  | 127.0.0.1",
        "203.0.113.9                       | 203.0.113.9",
        // the right-most untrusted hop; what the client wrote to the left of it is ignored
        "203.0.113.9, 10.1.2.3             | 203.0.113.9",
        "6.6.6.6, 203.0.113.9, 10.1.2.3    | 203.0.113.9",
        "6.6.6.6,203.0.113.9               | 203.0.113.9",
        // every hop trusted: the left-most
        "10.0.0.5, 10.0.0.6                | 10.0.0.5",
        // IPv6, normalised (RFC 5952), through a trusted IPv6 proxy, with brackets and ports
        "2001:DB8:0:0:0:0:0:1              | 2001:db8::1",
        "2001:db8::1, 2001:db8:1::9        | 2001:db8::1",
        "[2001:db8::1]:4711                | 2001:db8::1",
        "203.0.113.9:5555                  | 203.0.113.9",
        // a zone is dropped
        "[fe80::1%eth0]:8080               | fe80::1",
        // an IPv4-mapped IPv6 address is the IPv4 client
        "::ffff:203.0.113.9                | 203.0.113.9",
        // an unreadable hop ends the walk at the last trusted address
        "garbage, 10.1.2.3                 | 10.1.2.3",
        "unknown                           | 127.0.0.1",
    })
    void xForwardedForFromATrustedProxyGivesTheRightMostUntrustedAddress(String xff, String expectedKey)
            throws Exception {
        String[] headers = xff == null ? new String[0] : new String[] {"X-Forwarded-For", xff};
        assertThat(keyOf(xffServer, XFF_EVENTS, headers)).isEqualTo(expectedKey);
    }

    @Test
    void repeatedXForwardedForLinesAreReadAsOneListInOrder() throws Exception {
        // A proxy that appends a second header line instead of extending the first: the last line is nearest.
        assertThat(keyOf(xffServer, XFF_EVENTS, "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "203.0.113.9"))
                .isEqualTo("203.0.113.9");
        assertThat(keyOf(xffServer, XFF_EVENTS, "X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "10.9.9.9"))
                .isEqualTo("203.0.113.9");
    }

    @ParameterizedTest(name = "from a trusted peer, Forwarded: [{0}] counts against {1}")
    @CsvSource(delimiter = '|', value = {
        "for=203.0.113.9                                         | 203.0.113.9",
        // RFC 7239: a quoted IPv6 node with a port
        "for=\"[2001:db8:cafe::17]:4711\";proto=https             | 2001:db8:cafe::17",
        "for=\"[2001:DB8:CAFE:0:0:0:0:17]\"                       | 2001:db8:cafe::17",
        "For=\"203.0.113.9:80\";by=10.0.0.1                       | 203.0.113.9",
        // right-most untrusted: the IPv6 hop is a trusted proxy, the client's own element is ignored
        "for=6.6.6.6, for=198.51.100.7;by=10.0.0.1, for=\"[2001:db8:1::5]\" | 198.51.100.7",
        "for=198.51.100.7, for=10.1.2.3                          | 198.51.100.7",
        // an obfuscated node a trusted proxy wrote is the client's key; unknown ends the walk
        "for=_hidden, for=10.1.2.3                               | _hidden",
        "for=unknown, for=10.1.2.3                               | 10.1.2.3",
        // an element without for= or one that does not parse is unreadable
        "proto=https                                             | 127.0.0.1",
        "for=\"[2001:db8::1                                      | 127.0.0.1",
    })
    void forwardedFromATrustedProxyGivesTheRightMostUntrustedAddress(String forwarded, String expectedKey)
            throws Exception {
        assertThat(keyOf(forwardedServer, FORWARDED_EVENTS, "Forwarded", forwarded)).isEqualTo(expectedKey);
    }

    @Test
    void aFilterReadingForwardedIgnoresXForwardedForWhichTheProxyPassesThroughUntouched() throws Exception {
        assertThat(keyOf(forwardedServer, FORWARDED_EVENTS, "X-Forwarded-For", "6.6.6.6")).isEqualTo("127.0.0.1");
        assertThat(keyOf(forwardedServer, FORWARDED_EVENTS, "X-Forwarded-For", "6.6.6.6",
                "Forwarded", "for=203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(keyOf(forwardedServer, FORWARDED_EVENTS, "Forwarded", "for=6.6.6.6",
                "Forwarded", "for=203.0.113.9")).isEqualTo("203.0.113.9");
    }

    @Test
    void aForgedHeaderSentDirectlyByAnUntrustedClientNeverChangesItsKey() throws Exception {
        RecordingListener events = new RecordingListener();
        // 127.0.0.1 is not trusted here: whatever a request from it says, it is 127.0.0.1.
        TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8", "2001:db8::/32");
        try (TestServer server = TestServer.start(ipFilter(proxies, "2/1m", events))) {
            assertThat(server.get("/", "X-Forwarded-For", "6.6.6.6").statusCode()).isEqualTo(200);
            assertThat(server.get("/", "X-Forwarded-For", "7.7.7.7, 10.0.0.1").statusCode()).isEqualTo(200);
            HttpResponse<String> denied = server.get("/", "X-Forwarded-For", "8.8.8.8", "Forwarded", "for=9.9.9.9");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "RateLimit")).startsWith("\"ip\";r=0;");
            assertThat(events.events).containsExactly("allowed http:ip 127.0.0.1", "allowed http:ip 127.0.0.1",
                    "denied http:ip 127.0.0.1");
        }
    }

    @Test
    void anIpv6ClientIsLimitedByItsOwnAddressAndCannotForgeAnother() throws Exception {
        RecordingListener events = new RecordingListener();
        try (TestServer server = TestServer.start(ipFilter(TrustedProxies.of("10.0.0.0/8"), "2/1m", events),
                "::1")) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
            assertThat(server.get("/", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(200);
            HttpResponse<String> denied = server.get("/", "X-Forwarded-For", "2001:db8::99");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "RateLimit-Policy")).isEqualTo("\"ip\";q=2;w=60");
            assertThat(events.events).containsExactly("allowed http:ip ::1", "allowed http:ip ::1",
                    "denied http:ip ::1");
        }
    }

    @Test
    void behindATrustedIpv6ProxyEachForwardedClientHasItsOwnBucket() throws Exception {
        RecordingListener events = new RecordingListener();
        TrustedProxies proxies = TrustedProxies.of(TrustedProxies.Header.FORWARDED, List.of("::1/128"));
        try (TestServer server = TestServer.start(ipFilter(proxies, "1/1m", events), "::1")) {
            List<Integer> statuses = new ArrayList<>();
            for (String forwarded : List.of("for=\"[2001:db8::7]:1234\"", "for=\"[2001:db8:0::7]\"",
                    "for=203.0.113.9", "for=\"[2001:db8::8]\"")) {
                statuses.add(server.get("/", "Forwarded", forwarded).statusCode());
            }
            // The second is the first client again, spelled differently: same key, so denied.
            assertThat(statuses).containsExactly(200, 429, 200, 200);
            assertThat(events.events).containsExactly("allowed http:ip 2001:db8::7", "denied http:ip 2001:db8::7",
                    "allowed http:ip 203.0.113.9", "allowed http:ip 2001:db8::8");
        }
    }
}
