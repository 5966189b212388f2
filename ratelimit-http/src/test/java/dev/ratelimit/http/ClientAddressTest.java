package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IP literals, CIDR blocks, {@code X-Forwarded-For} and {@code Forwarded} behind trusted proxies, and the client key
 * the {@code ip} resolver makes: the rules of TrustedProxies, without a server.
 */
class ClientAddressTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "192.0.2.1,                         192.0.2.1",
        "[2001:db8::1],                     2001:db8::1",
        "2001:DB8:0:0:0:0:0:1,              2001:db8::1",
        "2001:db8:0:0:1:0:0:1,              2001:db8::1:0:0:1",
        "fe80::1%eth0,                      fe80::1",
        "::ffff:192.0.2.1,                  192.0.2.1",
        "::,                                ::",
    })
    void literalsAreNormalisedSoEverySpellingIsOneKey(String literal, String normal) {
        assertThat(IpAddress.parse(literal)).hasToString(normal);
    }

    @ParameterizedTest(name = "\"{0}\" is no address")
    @ValueSource(strings = {"", "localhost", "192.0.2", "192.0.2.256", "1.2.3.4.5", "2001:db8:::1", "01.2.3.4x",
        "2001:db8::1::2", "_hidden", "unknown", "[2001:db8::1"})
    void anythingButALiteralIsNoAddressAndNothingIsLookedUp(String text) {
        assertThat(IpAddress.parse(text)).isNull();
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8,       10.255.1.2,         true",
        "10.0.0.0/8,       11.0.0.1,           false",
        "192.0.2.7,        192.0.2.7,          true",
        "192.0.2.7,        192.0.2.8,          false",
        "2001:db8::/32,    2001:db8:ffff::1,   true",
        "2001:db8::/32,    2001:db9::1,        false",
        "10.0.0.0/8,       ::ffff:10.1.2.3,    true",
        "::/0,             10.1.2.3,           false",
        "0.0.0.0/0,        2001:db8::1,        false",
    })
    void blocksMatchAddressesOfTheirFamily(String block, String address, boolean contained) {
        assertThat(Cidr.parse(block).contains(IpAddress.parse(address))).isEqualTo(contained);
    }

    @ParameterizedTest(name = "\"{0}\" is refused")
    @ValueSource(strings = {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/x", "example.com/8", "10/8"})
    void aBadBlockIsRefusedNamingIt(String block) {
        assertThatThrownBy(() -> TrustedProxies.of(block)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(block);
    }

    private static final TrustedProxies XFF = TrustedProxies.of("10.0.0.0/8", "2001:db8:ffff::/48");
    private static final TrustedProxies FORWARDED = TrustedProxies.of(TrustedProxies.Header.FORWARDED,
            List.of("10.0.0.0/8", "2001:db8:ffff::/48"));

    @ParameterizedTest(name = "peer {0}, X-Forwarded-For \"{1}\": {2}")
    @CsvSource(delimiter = '|', value = {
        // An untrusted peer is the client, whatever it sends.
        "203.0.113.5  | 198.51.100.1                  | 203.0.113.5",
        // A trusted peer: the right-most untrusted hop.
        "10.0.0.1     | 198.51.100.1                  | 198.51.100.1",
        "10.0.0.1     | 6.6.6.6, 198.51.100.1, 10.0.0.2 | 198.51.100.1",
        // Every hop trusted: the left-most.
        "10.0.0.1     | 10.0.0.3, 10.0.0.2            | 10.0.0.3",
        // No header from a trusted peer: the peer.
        "10.0.0.1     |                               | 10.0.0.1",
        // An unreadable hop ends the walk at the last trusted address.
        "10.0.0.1     | 198.51.100.1, garbage         | 10.0.0.1",
        // IPv6 hops are normalised.
        "2001:db8:ffff::1 | 2001:DB8:0:0::7          | 2001:db8::7",
    })
    void xForwardedForIsBelievedOnlyFromTrustedProxies(String peer, String header, String client) {
        List<String> values = header == null ? List.of() : List.of(header);
        assertThat(XFF.clientKey(peer, values)).isEqualTo(client);
    }

    @ParameterizedTest(name = "peer {0}, Forwarded \"{1}\": {2}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1     | for=198.51.100.1;proto=https                   | 198.51.100.1",
        "10.0.0.1     | for=\"[2001:db8::1]:4711\"                     | 2001:db8::1",
        "10.0.0.1     | for=6.6.6.6, for=198.51.100.1, for=10.0.0.2     | 198.51.100.1",
        "10.0.0.1     | for=_hidden                                    | _hidden",
        "10.0.0.1     | for=198.51.100.1, for=unknown                  | 10.0.0.1",
        "10.0.0.1     | proto=https                                    | 10.0.0.1",
        "203.0.113.5  | for=198.51.100.1                               | 203.0.113.5",
        "10.0.0.1     | for=198.51.100.1;by=\"a,b\", for=10.0.0.9      | 198.51.100.1",
    })
    void forwardedIsReadAsRfc7239Says(String peer, String header, String client) {
        assertThat(FORWARDED.clientKey(peer, List.of(header))).isEqualTo(client);
    }

    @Test
    void onlyTheConfiguredHeaderIsRead() {
        // A proxy that writes X-Forwarded-For passes a client's Forwarded through untouched: it must not count.
        KeyResolver ip = KeyResolver.clientIp(XFF);
        TestRequest forged = TestRequest.get("/").from("10.0.0.1").header("Forwarded", "for=6.6.6.6");
        assertThat(ip.resolve(forged)).isEqualTo("10.0.0.1");
        assertThat(ip.resolve(forged.header("x-forwarded-for", "198.51.100.1"))).isEqualTo("198.51.100.1");
    }

    @Test
    void repeatedHeaderLinesAreOneList() {
        TestRequest twoLines = TestRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", "6.6.6.6")
                .header("X-Forwarded-For", "198.51.100.1, 10.0.0.2");
        assertThat(KeyResolver.clientIp(XFF).resolve(twoLines)).isEqualTo("198.51.100.1");
    }

    @Test
    void ipv6ClientsAreGroupedByTheirSlash64AndIpv4ByAddress() {
        KeyResolver ip = KeyResolver.clientIp(TrustedProxies.none());
        assertThat(ip.resolve(TestRequest.get("/").from("2001:db8:1:2:aaaa::1"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(ip.resolve(TestRequest.get("/").from("2001:db8:1:2:bbbb::9"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(ip.resolve(TestRequest.get("/").from("203.0.113.9"))).isEqualTo("203.0.113.9");
        KeyResolver wide = KeyResolver.clientIp(TrustedProxies.none(), 24, 48);
        assertThat(wide.resolve(TestRequest.get("/").from("203.0.113.9"))).isEqualTo("203.0.113.0/24");
        assertThat(wide.resolve(TestRequest.get("/").from("2001:db8:1:2::1"))).isEqualTo("2001:db8:1::/48");
        assertThat(wide).hasToString("ip(/24,/48)");
    }

    @Test
    void theWalkComparesWholeAddressesAndOnlyTheClientIsGrouped() {
        KeyResolver ip = KeyResolver.clientIp(XFF, 32, 64);
        // 2001:db8:ffff::/48 is trusted; the client's /64 is its key, the proxy's address is not grouped away.
        TestRequest r = TestRequest.get("/").from("2001:db8:ffff::1").header("X-Forwarded-For", "2001:db8:5:6::7");
        assertThat(ip.resolve(r)).isEqualTo("2001:db8:5:6::/64");
    }

    @Test
    void aPeerThatIsNoIpSocketIsItsOwnKeyAndNoPeerIsNoKey() {
        KeyResolver ip = KeyResolver.clientIp(XFF);
        assertThat(ip.resolve(TestRequest.get("/").from("unix:/run/app.sock"))).isEqualTo("unix:/run/app.sock");
        assertThat(ip.resolve(TestRequest.get("/").from(null))).isNull();
    }
}
