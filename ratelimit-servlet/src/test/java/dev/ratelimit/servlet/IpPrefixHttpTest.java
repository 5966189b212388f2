package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.http.KeyResolver;
import dev.ratelimit.http.Policy;
import dev.ratelimit.http.TrustedProxies;
import dev.ratelimit.testkit.FakeClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: one IPv6 subscriber usually holds a whole /64, so a client keyed per IPv6 address could take 2^64 fresh
 * buckets. The {@code ip} key groups IPv6 clients by /64 and IPv4 clients by /32 unless configured otherwise; the
 * walk over trusted proxies still compares whole addresses. Real HTTP to Jetty; the client address arrives in
 * {@code X-Forwarded-For} from a trusted 127.0.0.1, or is the TCP peer {@code ::1}.
 */
class IpPrefixHttpTest {

    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock();
    private final RecordingListener events = new RecordingListener();

    private RateLimitFilter filter(KeyResolver ip) {
        return RateLimitFilter.builder()
                .policy(Policy.builder("ip").key(ip).limits(Limit.parse("2/1m")).build())
                .timeSource(clock)
                .listener(events)
                .build();
    }

    private static List<Integer> statuses(TestServer server, String... clients) throws Exception {
        List<Integer> out = new ArrayList<>();
        for (String client : clients) {
            out.add(server.get("/", "X-Forwarded-For", client).statusCode());
        }
        return out;
    }

    @Test
    void everyAddressOfOneIpv6Slash64SharesOneBucketByDefault() throws Exception {
        TrustedProxies proxies = TrustedProxies.of("127.0.0.1", "2001:db8:ffff::/48");
        try (TestServer server = TestServer.start(filter(KeyResolver.clientIp(proxies)))) {
            assertThat(statuses(server, "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe",
                    "2001:DB8:1:2:abcd::9, 2001:db8:ffff::1", "2001:db8:1:3::1", "203.0.113.9", "203.0.113.10"))
                    .containsExactly(200, 200, 429, 200, 200, 200);
            assertThat(events.events).containsExactly("allowed http:ip 2001:db8:1:2::/64",
                    "allowed http:ip 2001:db8:1:2::/64", "denied http:ip 2001:db8:1:2::/64",
                    "allowed http:ip 2001:db8:1:3::/64", "allowed http:ip 203.0.113.9",
                    "allowed http:ip 203.0.113.10");
        }
    }

    @Test
    void aDirectIpv6PeerIsGroupedToo() throws Exception {
        try (TestServer server = TestServer.start(filter(KeyResolver.clientIp(TrustedProxies.none())), "::1")) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
            assertThat(events.events).containsExactly("allowed http:ip ::/64");
        }
    }

    @Test
    void aTrustedProxyInsideTheClientsSlash64IsStillSkippedAddressByAddress() throws Exception {
        // The proxy 2001:db8:1:2::1 is trusted as one address; the client 2001:db8:1:2::5 beside it is not.
        TrustedProxies proxies = TrustedProxies.of("127.0.0.1", "2001:db8:1:2::1");
        try (TestServer server = TestServer.start(filter(KeyResolver.clientIp(proxies)))) {
            assertThat(statuses(server, "2001:db8:1:2::5, 2001:db8:1:2::1", "6.6.6.6, 2001:db8:1:2::1"))
                    .containsExactly(200, 200);
            assertThat(events.events).containsExactly("allowed http:ip 2001:db8:1:2::/64",
                    "allowed http:ip 6.6.6.6");
        }
    }

    @Test
    void thePrefixesComeFromTheFile() throws Exception {
        Path config = Files.write(dir.resolve("ip.properties"), List.of(
                "ratelimit.policies=ip",
                "ratelimit.policy.ip.key=ip",
                "ratelimit.policy.ip.limits=2/1m",
                "ratelimit.trustedProxies=127.0.0.1",
                "ratelimit.ipv4Prefix=24",
                "ratelimit.ipv6Prefix=48"), StandardCharsets.UTF_8);
        RateLimitFilter filter = RateLimitFilter.builder().configLocation("file:" + config).timeSource(clock)
                .listener(events).build();
        try (TestServer server = TestServer.start(filter)) {
            assertThat(statuses(server, "203.0.113.9", "203.0.113.200", "203.0.113.77", "203.0.114.1",
                    "2001:db8:1:2::1", "2001:db8:1:3::1", "2001:db8:1:ffff::1", "2001:db8:2::1"))
                    .containsExactly(200, 200, 429, 200, 200, 200, 429, 200);
            assertThat(events.events).containsExactly("allowed http:ip 203.0.113.0/24",
                    "allowed http:ip 203.0.113.0/24", "denied http:ip 203.0.113.0/24",
                    "allowed http:ip 203.0.114.0/24", "allowed http:ip 2001:db8:1::/48",
                    "allowed http:ip 2001:db8:1::/48", "denied http:ip 2001:db8:1::/48",
                    "allowed http:ip 2001:db8:2::/48");
        }
    }
}
