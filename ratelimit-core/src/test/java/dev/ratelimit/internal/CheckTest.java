package dev.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Limit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckTest {

    @Test
    void nullsNameTheParameterAndBadValuesNameTheValue() {
        assertThatThrownBy(() -> Check.key(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> Check.key("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key must not be empty");
        assertThatThrownBy(() -> Check.permits(0)).hasMessage("permits must be positive but was 0");
        assertThatThrownBy(() -> Check.delta(0))
                .hasMessage("delta must be non-zero and at most 9007199254740991 in magnitude but was 0");
        assertThatThrownBy(() -> Check.delta(-Limit.MAX_PERMITS - 1))
                .hasMessageEndingWith("but was -9007199254740992");
        assertThatThrownBy(() -> Check.nonZero("delta", 0)).hasMessage("delta must be non-zero but was 0");
        assertThatThrownBy(() -> Check.notNegative("remaining", -1))
                .hasMessage("remaining must not be negative but was -1");
        assertThatThrownBy(() -> Check.atLeast("maximumBytes", 5, 6))
                .hasMessage("maximumBytes must be at least 6 but was 5");
        assertThatThrownBy(() -> Check.between("maximumKeys", 0, 1, 9))
                .hasMessage("maximumKeys must be between 1 and 9 but was 0");
        assertThatThrownBy(() -> Check.text("namespace", null, 3)).isInstanceOf(NullPointerException.class)
                .hasMessage("namespace");
        assertThatThrownBy(() -> Check.text("namespace", "abcd", 3))
                .hasMessage("namespace must be 1 to 3 characters but was \"abcd\"");
        assertThatThrownBy(() -> Check.text("namespace", "x".repeat(1_000), 3))
                .hasMessage("namespace must be 1 to 3 characters but was \"xxx...\" (1000 characters)");
        assertThatThrownBy(() -> Check.positive("timeout", Duration.ZERO))
                .hasMessage("timeout must be positive but was PT0S");
        assertThatThrownBy(() -> Check.positive("timeout", (Duration) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> Check.notNegative("maxWait", Duration.ofSeconds(-1)))
                .hasMessage("maxWait must be zero or positive but was PT-1S");
        assertThatThrownBy(() -> Check.atLeastOneMicro("retryAfter", Duration.ofNanos(999)))
                .hasMessage("retryAfter must be at least 1us but was PT0.000000999S");
    }

    @Test
    void goodValuesPassThroughAndHugeDurationsSaturate() {
        assertThat(Check.key("k")).isEqualTo("k");
        assertThat(Check.delta(-Limit.MAX_PERMITS)).isEqualTo(-Limit.MAX_PERMITS);
        assertThat(Check.atLeastOneMicro("d", Duration.ofNanos(1_999))).isEqualTo(1);
        assertThat(Check.saturatedMicros(Duration.ofDays(1_000_000_000))).isEqualTo(Long.MAX_VALUE);
        assertThat(Check.saturatedNanos(Duration.ofDays(1_000_000))).isEqualTo(Long.MAX_VALUE);
        assertThat(Check.saturatedNanos(Duration.ofSeconds(3, 7))).isEqualTo(3_000_000_007L);
        assertThat(Check.saturatedMicros(Duration.ofSeconds(3, 7_999))).isEqualTo(3_000_007L);
    }
}
