package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitTest {

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            100/1m            | 100      | 60000000      | 100  | 100/1m
            10/s              | 10       | 1000000       | 10   | 10/1s
            5/24h             | 5        | 86400000000   | 5    | 5/1d
            10000/1d          | 10000    | 86400000000   | 10000| 10000/1d
            7/250ms           | 7        | 250000        | 7    | 7/250ms
            3/90s             | 3        | 90000000      | 3    | 3/90s
            1/1us             | 1        | 1             | 1    | 1/1us
            ' 100 / 1 m '     | 100      | 60000000      | 100  | 100/1m
            100/S             | 100      | 1000000       | 100  | 100/1s
            100/s burst 500   | 100      | 1000000       | 500  | 100/1s burst 500
            100/1s  burst  20 | 100      | 1000000       | 20   | 100/1s burst 20
            """)
    void parsesTheGrammar(String text, long permits, long periodMicros, long capacity, String canonical) {
        Limit limit = Limit.parse(text);
        assertThat(limit.permits()).isEqualTo(permits);
        assertThat(limit.periodMicros()).isEqualTo(periodMicros);
        assertThat(limit.capacity()).isEqualTo(capacity);
        assertThat(limit.toString()).isEqualTo(canonical);
        assertThat(Limit.parse(limit.toString())).isEqualTo(limit);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            ''                  | 0  | expected permits
            abc                 | 0  | expected permits
            100                 | 3  | expected '/'
            100/                | 4  | expected a unit
            100/1               | 5  | expected a unit
            100/1x              | 5  | unknown unit "x"
            100/1min            | 5  | unknown unit "min"
            0/1s                | 0  | permits must be positive
            -1/1s               | 0  | expected permits
            100/0s              | 4  | period amount must be positive
            100/1s burst        | 12 | expected burst
            100/1s burst 0      | 13 | burst must be positive
            100/1s bust 5       | 7  | expected "burst"
            100/1s;burst=5      | 6  | unexpected character ';'
            99999999999999999999/1s | 0 | too large
            9007199254740992/1s | 0  | is larger than 9007199254740991
            100/3651d           | 4  | longer than 3650 days
            """)
    void rejectsBadTextNamingTheTextAndThePosition(String text, int position, String problem) {
        assertThatThrownBy(() -> Limit.parse(text))
                .isInstanceOfSatisfying(LimitParseException.class, e -> {
                    assertThat(e.position()).isEqualTo(position);
                    assertThat(e.text()).isEqualTo(text);
                })
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\"")
                .hasMessageContaining("position " + position)
                .hasMessageContaining(problem);
    }

    @Test
    void factoriesValidateAndNameTheBadValue() {
        assertThat(Limit.of(100, Duration.ofMinutes(1))).isEqualTo(Limit.parse("100/1m"));
        assertThat(Limit.perSecond(5)).isEqualTo(Limit.parse("5/s"));
        assertThat(Limit.perDay(5).period()).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> Limit.of(0, Duration.ofSeconds(1))).hasMessageContaining("but was 0");
        assertThatThrownBy(() -> Limit.of(5, Duration.ZERO)).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Limit.of(5, Duration.ofSeconds(-1))).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> Limit.of(5, Duration.ofNanos(1500)))
                .hasMessageContaining("whole number of microseconds").hasMessageContaining("PT0.0000015S");
        assertThatThrownBy(() -> Limit.of(5, Duration.ofDays(3651))).hasMessageContaining("3650 days");
        assertThatThrownBy(() -> Limit.of(5, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Limit.perSecond(5).withBurst(0)).hasMessageContaining("burst")
                .hasMessageContaining("but was 0");
    }

    @Test
    void theEmissionIntervalIsAReducedFraction() {
        Limit threePerSecond = Limit.perSecond(3);
        assertThat(threePerSecond.intervalNumerator()).isEqualTo(1_000_000);
        assertThat(threePerSecond.intervalDenominator()).isEqualTo(3);
        Limit hundredPerSecond = Limit.perSecond(100);
        assertThat(hundredPerSecond.intervalNumerator()).isEqualTo(10_000);
        assertThat(hundredPerSecond.intervalDenominator()).isEqualTo(1);
    }

    @Test
    void aBurstIsPartOfEquality() {
        assertThat(Limit.perSecond(5).withBurst(5)).isNotEqualTo(Limit.perSecond(5));
        assertThat(Limit.perSecond(5).withBurst(9)).isEqualTo(Limit.parse("5/s burst 9"));
        assertThat(Limit.perSecond(5).withBurst(9).hashCode()).isEqualTo(Limit.parse("5/s burst 9").hashCode());
    }
}
