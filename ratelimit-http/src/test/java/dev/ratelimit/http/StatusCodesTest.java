package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Status lists for refundOnStatus and penaltyOnStatus. */
class StatusCodesTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "500-599       | 500 | true",
        "500-599       | 599 | true",
        "500-599       | 499 | false",
        "401,403       | 403 | true",
        "401,403       | 402 | false",
        "429, 500-502  | 501 | true",
        "429, 500-502  | 503 | false",
        "100           | -1  | false",
    })
    void aListOfCodesAndRanges(String text, int status, boolean contained) {
        assertThat(StatusCodes.parse(text).contains(status)).isEqualTo(contained);
    }

    @ParameterizedTest(name = "\"{0}\" is refused")
    @ValueSource(strings = {"", "  ", "99", "600", "5xx", "599-500", "500-", "401;403", "4010"})
    void anythingElseIsRefusedNamingTheText(String text) {
        assertThatThrownBy(() -> StatusCodes.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.isBlank() ? "must not be empty" : text);
    }
}
