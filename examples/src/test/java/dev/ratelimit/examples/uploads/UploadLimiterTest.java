package dev.ratelimit.examples.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.testkit.FakeClock;
import dev.ratelimit.testservers.DynamoDbLocal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The upload limiter on DynamoDB Local over HTTP, on a fake clock. */
class UploadLimiterTest {

    // In the future: DynamoDB Local's TTL sweeper deletes items whose expiry has passed by the real clock.
    private static final Instant START = Instant.parse("2100-01-01T00:00:00Z");

    private static DynamoDbLocal local;
    private static DynamoDbClient dynamo;

    private final FakeClock clock = new FakeClock(START);

    @BeforeAll
    static void startDynamoDbLocal() throws Exception {
        local = DynamoDbLocal.start();
        dynamo = local.client();
        DynamoDbStore.createTable(dynamo, "uploads");
    }

    /**
     * A store on the test's table. A cold DynamoDB Local on a busy build machine can take longer than the default
     * 1 s request timeout, which the deny failure policy would answer with a refusal, so the test allows more.
     */
    private static DynamoDbStore store() {
        return DynamoDbStore.builder(dynamo).tableName("uploads").callerTime().timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
        local.close();
    }

    @Test
    void theSixthUploadIn24HoursIsRefusedUntilTheFirstIs24HoursOld() {
        UploadLimiter uploads = new UploadLimiter(store(), clock);
        Duration[] gaps = {Duration.ZERO, Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(5),
            Duration.ofHours(10)};
        for (int i = 0; i < 5; i++) {
            clock.advance(gaps[i]);
            Decision d = uploads.tryUpload("alice");
            assertThat(d.allowed()).as("upload %d: %s", i + 1, d).isTrue();
            assertThat(d.remaining()).isEqualTo(4 - i);
        }
        // 18 hours after the first upload: the sixth is refused until the first is 24 hours old.
        Decision sixth = uploads.tryUpload("alice");
        assertThat(sixth.allowed()).isFalse();
        assertThat(sixth.reason()).isEqualTo(Decision.Reason.LIMIT_EXCEEDED);
        assertThat(sixth.limit()).isEqualTo(UploadLimiter.UPLOADS);
        assertThat(sixth.retryAfter()).isEqualTo(Duration.ofHours(6));

        // Another user has their own five.
        assertThat(uploads.tryUpload("bob").allowed()).isTrue();

        // Exact: one microsecond early is still refused, on time is accepted, and then the next waits for upload 2.
        clock.advance(Duration.ofHours(6).minusNanos(1_000));
        assertThat(uploads.tryUpload("alice").retryAfter()).isEqualTo(Duration.ofNanos(1_000));
        clock.advanceMicros(1);
        assertThat(uploads.tryUpload("alice").allowed()).isTrue();
        Decision next = uploads.tryUpload("alice");
        assertThat(next.allowed()).isFalse();
        assertThat(next.retryAfter()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aSecondInstanceOnTheSameTableSharesTheCount() {
        UploadLimiter instanceA = new UploadLimiter(store(), clock);
        UploadLimiter instanceB = new UploadLimiter(store(), clock);
        for (int i = 0; i < 5; i++) {
            Decision d = (i % 2 == 0 ? instanceA : instanceB).tryUpload("carol");
            assertThat(d.allowed()).as("upload %d: %s", i + 1, d).isTrue();
        }
        assertThat(instanceB.tryUpload("carol").allowed()).isFalse();
        assertThat(instanceA.tryUpload("carol").retryAfter()).isEqualTo(Duration.ofHours(24));
    }
}
