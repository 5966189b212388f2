package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The quick-start demo runs to the end and shows what it promises: denials, Retry-After and an HTTP 429. */
class DemoTest {

    @Test
    void printsDecisionsAndTheHttpAnswers() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Demo.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        original.print(printed);
        assertThat(printed)
                .contains("alice    #5  allowed   remaining=0")
                .contains("alice    #6  DENIED    HTTP 429, Retry-After: ")
                .contains("carol    #7  DENIED    EXCEEDS_CAPACITY")
                .contains("GET /api/hello #5 -> 200")
                .contains("RateLimit-Policy: \"perIp\";q=5;w=60")
                .contains("GET /api/hello #6 -> 429");
    }
}
