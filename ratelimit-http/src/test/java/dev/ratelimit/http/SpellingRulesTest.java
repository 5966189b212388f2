package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Limit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The rules behind issue 13's HTTP tests, table by table and without a server: path matching for policies and
 * exclusions, the canonical route key, client-IP blocks and the misspelt-prefix check.
 */
class SpellingRulesTest {

    @ParameterizedTest(name = "{0} vs {1}: policy {2}, exclusion {3}")
    @CsvSource({
        "/health,      /health,       true,  true",
        "/health,      /health/,      true,  false",
        "/health,      //health,      true,  false",
        "/health,      /health//,     true,  false",
        "/health/,     /health/,      true,  true",
        "/health/,     /health,       true,  false",
        "/health/**,   /health,       true,  true",
        "/health/**,   /health/,      true,  true",
        "/health/**,   /health/x/y,   true,  true",
        "/users/*,     /users/42,     true,  true",
        "/users/*,     /users/,       false, false",
        "/users/*,     /users/42/,    true,  false",
        "/,            /,             true,  true",
        "/,            /x,            false, false",
        "/**,          /anything/,    true,  true",
        "/api/orders,  /api//orders,  true,  false",
    })
    void policiesIgnoreEmptySegmentsAndExclusionsMatchThemExactly(String pattern, String path, boolean policy,
            boolean exclusion) {
        PathPattern p = PathPattern.parse(pattern);
        assertThat(p.matches(path)).as("policy").isEqualTo(policy);
        assertThat(p.matchesExactly(path)).as("exclusion").isEqualTo(exclusion);
    }

    @ParameterizedTest(name = "route key of {0} is {1}")
    @CsvSource({
        "/api/orders,     /api/orders",
        "/api/orders/,    /api/orders",
        "/api//orders//,  /api/orders",
        "//,              /",
        "/,               /",
    })
    void theRouteKeyDropsEmptySegments(String path, String key) {
        assertThat(PathPattern.canonical(path)).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0} /{1} is {2}")
    @CsvSource({
        "2001:db8:1:2:3:4:5:6,  64,  2001:db8:1:2::/64",
        "2001:db8:1:2:3:4:5:6,  48,  2001:db8:1::/48",
        "2001:db8:1:2:3:4:5:6,  128, 2001:db8:1:2:3:4:5:6",
        "2001:db8:1:2:3:4:5:6,  1,   ::/1",
        "::1,                   64,  ::/64",
        "203.0.113.77,          32,  203.0.113.77",
        "203.0.113.77,          24,  203.0.113.0/24",
        "::ffff:203.0.113.77,   24,  203.0.113.0/24",
        "203.0.113.77,          0,   0.0.0.0/0",
    })
    void aClientIsKeyedByTheBlockOfItsPrefix(String address, int prefix, String key) {
        assertThat(IpAddress.parse(address).blockKey(prefix)).isEqualTo(key);
    }

    @Test
    void aPrefixLongerThanTheAddressIsRefused() {
        assertThatThrownBy(() -> IpAddress.parse("192.0.2.1").blockKey(33))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("33");
        assertThatThrownBy(() -> KeyResolver.clientIp(TrustedProxies.none(), 32, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ipv6Prefix");
    }

    @Test
    void headerItemsAreNamedByPeriodOrByPositionWhenPeriodsRepeat() {
        List<Limit> one = List.of(Limit.parse("5/1s"));
        List<Limit> distinct = List.of(Limit.parse("3/2s"), Limit.parse("5/1m"));
        List<Limit> repeated = List.of(Limit.parse("10/1s burst 20"), Limit.parse("5/1s"), Limit.parse("100/1m"));
        assertThat(Responses.itemName("p", one, 0)).isEqualTo("p");
        assertThat(List.of(Responses.itemName("p", distinct, 0), Responses.itemName("p", distinct, 1)))
                .containsExactly("p/2s", "p/1m");
        assertThat(List.of(Responses.itemName("p", repeated, 0), Responses.itemName("p", repeated, 1),
                Responses.itemName("p", repeated, 2))).containsExactly("p/1", "p/2", "p/3");
    }

    @ParameterizedTest(name = "{0} is {1} edits from ratelimit")
    @CsvSource({
        "ratelimit, 0",
        "ratelimt,  1",
        "raetlimit, 1",
        "ratelimits, 1",
        "ratlimt,   2",
        "redis,     3",
        "myapp,     3",
    })
    void theMisspeltPrefixCheckCountsTypingMistakes(String first, int distance) {
        assertThat(Math.min(3, ConfigParser.editDistance(first, "ratelimit"))).isEqualTo(distance);
    }
}
