package dev.ratelimit.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How an HTTP API event's rawPath becomes the path the engine matches. */
class RawPathsTest {

    @ParameterizedTest(name = "{0} on stage {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "/prod/items|prod|/items",
        "/prod|prod|/",
        "/prod/|prod|/",
        "/production/items|prod|/production/items",
        "/items|$default|/items",
        "/prod/items|$default|/prod/items",
        "/items||/items",
        "''|prod|/",
        "/%75pload|$default|/upload",
        "/a%2Fb|$default|/a%2Fb",
        "/a%2fb|$default|/a%2fb",
        "/caf%C3%A9|$default|/café",
        "/bad%C3|$default|/bad%C3",
        "/half%4|$default|/half%4",
        "/pct%25|$default|/pct%",
    })
    void applicationPath(String rawPath, String stage, String expected) {
        assertThat(RawPaths.applicationPath(rawPath, stage)).isEqualTo(expected);
    }
}
