package dev.ratelimit.dynamodb;

import dev.ratelimit.Algorithm;
import dev.ratelimit.Limit;
import dev.ratelimit.TimeSource;
import dev.ratelimit.spi.RateLimitStore;
import dev.ratelimit.spi.StateTransition;
import dev.ratelimit.spi.StoreBinding;
import dev.ratelimit.spi.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A {@link RateLimitStore} in one DynamoDB table, on the AWS SDK v2: a shared limiter for serverless and
 * multi-instance applications.
 *
 * <pre>{@code
 * DynamoDbClient dynamo = DynamoDbClient.create();
 * DynamoDbStore.createTable(dynamo, "rate-limits");          // once, or with CloudFormation/Terraform
 * DynamoDbStore store = DynamoDbStore.builder(dynamo).tableName("rate-limits").build();
 * RateLimiter uploads = RateLimiter.builder()
 *         .algorithm(Algorithm.FIXED_WINDOW).limits(Limit.parse("5/24h"))
 *         .store(store).namespace("uploads").build();
 * }</pre>
 *
 * <h2>Requests per decision</h2>
 * Fixed window, sliding window and token bucket decide with one conditional {@code UpdateItem} and no read,
 * allowed or denied; a denial's numbers come from the failed condition's {@code ALL_OLD} item (sliding window and
 * token bucket take a second {@code UpdateItem} when an instance's guess about a key another instance spent was
 * wrong). Sliding log keeps one ring of slots per limit and admits with one conditional {@code UpdateItem} that
 * writes free slots; writers on one key collide only on the same slot. A denial from remembered state is
 * confirmed by one consistent {@code GetItem}. The module README lists every case, including when a decision
 * costs more.
 *
 * <h2>Contention</h2>
 * A decision that loses {@link Builder#maxAttempts} conditional writes in a row to other writers is a denial
 * ({@link dev.ratelimit.Decision.Reason#LIMIT_EXCEEDED}, retryAfter one emission interval of the tightest limit),
 * never a {@link StoreException}: losing races is contention, not an outage, and no failure policy may turn it
 * into an admission beyond the limit.
 *
 * <h2>Time</h2>
 * By default ({@link Builder#serverTime()}) decisions use DynamoDB's time, estimated from the {@code Date} header
 * of its responses on top of a local clock: within {@code 0.5 s} plus half a round trip of the service's clock
 * after the first response, never running backwards, so instances whose clocks disagree by minutes still agree
 * within about a second. {@link Builder#callerTime()} uses the caller's time instead.
 *
 * <h2>Table</h2>
 * One partition key {@code pk} (String), no sort key, TTL on the Number attribute {@code ttl} (epoch seconds at
 * which the key is back at full allowance). {@link #createTable} makes such a table; {@link Builder#build()}
 * checks it (one {@code DescribeTable}) and names the table and the problem if it is missing or shaped wrongly.
 * Partition keys are {@code keyPrefix + length(namespace) + ":" + namespace + ":" + algorithm + ":" + key}
 * (the {@linkplain Builder#keyPrefix key prefix} is their literal start);
 * keys that would exceed DynamoDB's 2048 bytes (or are not valid UTF-16) are replaced by their SHA-256, tagged so
 * that a hashed key never equals a raw one.
 *
 * <h2>Failures</h2>
 * Throttling is retried by the store, a bounded number of times with exponential backoff
 * ({@link Builder#throttlingRetries}), after whatever retries the SDK client itself makes. Throttling after the
 * retries, timeouts ({@link Builder#timeout}), a refused connection (not retried, so it fails at once), a
 * missing table, an item of a shape the store does not write, and any other service or client error become a
 * {@link StoreException} naming the table, the endpoint and the cause, so the limiter's failure policy applies.
 *
 * <p>Thread-safe. One store may serve many limiters. The clients passed in belong to the caller:
 * {@link #close()} leaves them open.
 */
public final class DynamoDbStore implements RateLimitStore {

    /**
     * Largest total permits the {@link Algorithm#SLIDING_LOG} limits of one limiter may have here (summed over its
     * limits): the log is one item holding one slot of about 16 bytes per permit of each limit, and DynamoDB items
     * hold at most 400 KB.
     */
    public static final long MAX_SLIDING_LOG_PERMITS = 20_000;

    /** Longest {@linkplain Builder#keyPrefix key prefix}, in characters: the same bound as the Redis store's. */
    static final int MAX_KEY_PREFIX_LENGTH = 256;

    private final DynamoDbClient client;
    private final String tableName;
    private final String keyPrefix;
    private final TimeSource timeSource;
    private final ServiceClock serviceClock;
    private final String endpoint;
    private final Io sync;
    private final Io async;
    private final KnownStates known;
    private final int maxAttempts;

    private DynamoDbStore(Builder b) {
        this.client = b.client;
        this.tableName = b.tableName;
        this.keyPrefix = b.keyPrefix;
        this.timeSource = b.timeSource;
        this.serviceClock = b.serviceClock;
        this.endpoint = b.endpoint;
        long backoffNanos = b.throttlingBackoff.toNanos();
        this.sync = b.sync;
        this.async = b.asyncClient == null ? null : Io.async(b.asyncClient, tableName, endpoint, b.throttlingRetries,
                backoffNanos, serviceClock, b.timeout);
        this.known = new KnownStates(b.knownStates);
        this.maxAttempts = b.maxAttempts;
    }

    /**
     * A builder for a store that makes its requests with {@code client}.
     *
     * @param client the client the store sends its requests with; the caller keeps it and closes it
     * @return a new builder
     * @throws NullPointerException if client is null
     */
    public static Builder builder(DynamoDbClient client) {
        return new Builder(Objects.requireNonNull(client, "client"));
    }

    /**
     * Creates the table the store needs, if it does not exist, with on-demand billing, waits until it is active,
     * and enables TTL on its {@code ttl} attribute. For production, the module README shows the same table in
     * CloudFormation and Terraform.
     *
     * @param client the client to create the table with
     * @param tableName the table's name
     * @throws IllegalArgumentException if tableName is not a valid DynamoDB table name
     * @throws NullPointerException if client or tableName is null
     * @throws IllegalStateException if a table of that name exists with another key schema or another TTL
     *     attribute (the message says what is wrong)
     * @throws StoreException if DynamoDB refuses or cannot be reached
     */
    public static void createTable(DynamoDbClient client, String tableName) {
        Objects.requireNonNull(client, "client");
        TableSchema.create(client, checkTableName(tableName));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the namespace is not well-formed UTF-16 or, with the key prefix, longer
     *     than 1024 UTF-8 bytes, or if {@link Algorithm#SLIDING_LOG} limits have more than
     *     {@link #MAX_SLIDING_LOG_PERMITS} permits in all
     */
    @Override
    public StoreBinding bind(String namespace, Algorithm algorithm, List<Limit> limits) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(algorithm, "algorithm");
        List<Limit> copy = List.copyOf(limits);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("limits must not be empty");
        }
        StateTransition transition = StateTransition.of(algorithm);
        transition.validate(copy);
        ItemLayout layout = switch (algorithm) {
            case FIXED_WINDOW -> new FixedWindowLayout(copy);
            case TOKEN_BUCKET -> new TokenBucketLayout(copy);
            case SLIDING_WINDOW -> new SlidingWindowLayout(copy);
            case SLIDING_LOG -> {
                long slots = 0;
                for (Limit limit : copy) {
                    slots += limit.permits();
                }
                if (slots > MAX_SLIDING_LOG_PERMITS) {
                    throw new IllegalArgumentException("limits " + copy + " are too large for SLIDING_LOG in"
                            + " DynamoDB: the log of one key is one item of at most 400 KB holding one slot per"
                            + " permit of each limit, so at most " + MAX_SLIDING_LOG_PERMITS + " permits in all"
                            + " (use SLIDING_WINDOW for large limits)");
                }
                yield new SlidingLogLayout(copy);
            }
        };
        PartitionKeys keys = new PartitionKeys(keyPrefix, namespace, algorithm);
        return new DynamoBinding(tableName, keys, transition, copy, layout, sync, async, known, time(), maxAttempts);
    }

    /** How the bindings read the time: the service clock, a fixed clock, or null for the limiter's time. */
    private DynamoBinding.Clock time() {
        if (serviceClock != null) {
            return ignored -> serviceClock.nowMicros();
        }
        if (timeSource != null) {
            return ignored -> timeSource.nowMicros();
        }
        return null;
    }

    /**
     * Whether decisions use DynamoDB's time ({@link Builder#serverTime()}, the default) rather than the caller's
     * ({@link Builder#callerTime()}).
     *
     * @return true with server time
     */
    public boolean usesServerTime() {
        return serviceClock != null;
    }

    /** The service clock, or null with {@link Builder#callerTime()}; for tests. */
    ServiceClock serviceClock() {
        return serviceClock;
    }

    /**
     * The table this store uses.
     *
     * @return the table name
     */
    public String tableName() {
        return tableName;
    }

    /** Does nothing: the clients were passed in and stay open. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "DynamoDbStore{table=" + tableName + ", endpoint=" + endpoint + ", keyPrefix='" + keyPrefix
                + "', time=" + (serviceClock != null ? serviceClock : timeSource != null ? "caller time " + timeSource
                : "the limiter's time") + '}';
    }

    private static String checkTableName(String tableName) {
        Objects.requireNonNull(tableName, "tableName");
        if (!tableName.matches("[a-zA-Z0-9_.-]{3,255}")) {
            throw new IllegalArgumentException("tableName must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-'"
                    + " and '.' but was '" + tableName + "'");
        }
        return tableName;
    }

    /**
     * Builds a {@link DynamoDbStore}. {@link #tableName} is required; every other option has a default. Values are
     * checked when set; setting an option again replaces the earlier value (the last call wins). Not thread-safe.
     */
    public static final class Builder {
        private final DynamoDbClient client;
        private String tableName;
        private DynamoDbAsyncClient asyncClient;
        private String keyPrefix = "";
        private TimeSource timeSource;
        private boolean serverTime = true;
        private ServiceClock serviceClock;
        private String endpoint;
        private Io sync;
        private int throttlingRetries = 3;
        private Duration throttlingBackoff = Duration.ofMillis(25);
        private Duration timeout = Duration.ofSeconds(1);
        private int maxAttempts = 16;
        private int knownStates = 8192;
        private boolean verifyTable = true;

        private Builder(DynamoDbClient client) {
            this.client = client;
        }

        /**
         * The table to use (required).
         *
         * @param tableName 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'
         * @return this builder
         * @throws IllegalArgumentException if not a valid DynamoDB table name
         * @throws NullPointerException if null
         */
        public Builder tableName(String tableName) {
            this.tableName = checkTableName(tableName);
            return this;
        }

        /**
         * An asynchronous client, so that {@code RateLimiter.tryAcquireAsync} never blocks a thread; without one,
         * asynchronous calls run on the caller's thread with the synchronous client.
         *
         * @param asyncClient the asynchronous client; the caller keeps it and closes it
         * @return this builder
         * @throws NullPointerException if null
         */
        public Builder asyncClient(DynamoDbAsyncClient asyncClient) {
            this.asyncClient = Objects.requireNonNull(asyncClient, "asyncClient");
            return this;
        }

        /**
         * The literal text every partition key this store writes starts with; empty by default (a table of its
         * own needs none). The same rule as {@code RedisStore.Builder.keyPrefix}: 0 to 256 characters of
         * well-formed UTF-16 (no unpaired surrogate), written at the very start of each key, before the limiter's
         * namespace and the user key, so that several applications can share one table and an IAM condition on
         * {@code dynamodb:LeadingKeys} can confine each to its own keys. The namespace that follows starts with its
         * length, so end a prefix with a character that is not a digit ({@code "app:"}) if two applications'
         * prefixes could be one the other plus digits. DynamoDB has no further limit on the prefix (Redis also
         * refuses braces, its hash tag).
         *
         * @param keyPrefix the prefix, possibly empty
         * @return this builder
         * @throws IllegalArgumentException if longer than 256 characters or not well-formed UTF-16; the message
         *     shows the value
         * @throws NullPointerException if null
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.length() > MAX_KEY_PREFIX_LENGTH || !PartitionKeys.wellFormed(keyPrefix)) {
                throw new IllegalArgumentException("keyPrefix must be 0 to " + MAX_KEY_PREFIX_LENGTH
                        + " characters of well-formed UTF-16 but was \"" + keyPrefix + "\"");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * Decisions use DynamoDB's time (the default). DynamoDB has no clock to ask, so the store reads it from the
         * HTTP {@code Date} header of every response (whole seconds) and keeps the offset between that and a local
         * clock ({@link #timeSource}, or the system clock), with the local clock's sub-second progress on top; the
         * limiter's own time is ignored. Instances whose clocks are minutes apart then agree within one second plus
         * one round trip, so together they admit at most the limit plus about one second's refill. The time never
         * runs backwards. The module README states the estimate and its error bound. Before its first decision, a
         * store that has seen no response yet makes one read ({@code build()}'s table check normally provides it).
         * {@link #callerTime()} is the other choice; the last call wins.
         *
         * @return this builder
         */
        public Builder serverTime() {
            this.serverTime = true;
            return this;
        }

        /**
         * Decisions use the caller's time: the {@link #timeSource} set here or, without one, the time the limiter
         * passes (its {@code TimeSource}). Instances must then keep their clocks in sync (NTP): two instances
         * whose clocks are {@code d} apart can together admit up to twice the limit when {@code d} is comparable to
         * the limit's period. For tests driven by a fake clock, and for deployments with a shared time source.
         * {@link #serverTime()} is the other choice; the last call wins.
         *
         * @return this builder
         */
        public Builder callerTime() {
            this.serverTime = false;
            return this;
        }

        /**
         * The local clock the store reads instead of the limiter's. With {@link #serverTime()} (the default) it is
         * the clock the service's time is anchored to (by default the system clock); with {@link #callerTime()} it
         * is the time every decision uses as is.
         *
         * @param timeSource the local clock
         * @return this builder
         * @throws NullPointerException if null
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * How the store retries a request that DynamoDB throttled ({@code ProvisionedThroughputExceeded},
         * {@code ThrottlingException}, {@code RequestLimitExceeded}): up to {@code maxRetries} more times, the
         * n-th after a random wait between half and all of {@code initialBackoff x 2^n} (capped at one second).
         * These come on top of the SDK client's own retry strategy. Defaults: 3 retries, 25 ms.
         *
         * @param maxRetries the most retries after a throttled request
         * @param initialBackoff the wait before the first retry, doubled for each further one
         * @return this builder
         * @throws IllegalArgumentException if maxRetries is not 0..10 or the backoff is negative or over 1 s
         * @throws NullPointerException if initialBackoff is null
         */
        public Builder throttlingRetries(int maxRetries, Duration initialBackoff) {
            if (maxRetries < 0 || maxRetries > 10) {
                throw new IllegalArgumentException("maxRetries must be between 0 and 10 but was " + maxRetries);
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            if (initialBackoff.isNegative() || initialBackoff.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("initialBackoff must be between 0 and 1s but was "
                        + initialBackoff);
            }
            this.throttlingRetries = maxRetries;
            this.throttlingBackoff = initialBackoff;
            return this;
        }

        /**
         * The most time one DynamoDB call may take, including the SDK's own retries (the SDK's
         * {@code apiCallTimeout}); one second by default. A call that takes longer fails with a
         * {@link StoreException}.
         *
         * @param timeout the longest one call may take
         * @return this builder
         * @throws IllegalArgumentException if not positive or over one minute
         * @throws NullPointerException if null
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("timeout must be between 1ns and 1m but was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * The most conditional writes one decision tries when other writers keep changing its key before it
         * lands; 16 by default. Past it the decision is a denial (never an error, so no failure policy can turn lost
         * races into admissions), and a penalty or refund fails with a {@link StoreException}.
         *
         * @param maxAttempts the most conditional writes per decision
         * @return this builder
         * @throws IllegalArgumentException if not 1..1000
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 1000) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 1000 but was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * How many keys' last-seen items the store remembers (8192 by default; 0 remembers nothing). The memory
         * only chooses which conditional write to send; the condition checks it, so its size trades memory for
         * requests, never for correctness. Rounded up to a power of two.
         *
         * @param size how many keys to remember
         * @return this builder
         * @throws IllegalArgumentException if negative or over 2^24
         */
        public Builder knownStates(int size) {
            if (size < 0 || size > (1 << 24)) {
                throw new IllegalArgumentException("knownStates must be between 0 and 2^24 but was " + size);
            }
            this.knownStates = size <= 1 ? size : Integer.highestOneBit(size - 1) << 1;
            return this;
        }

        /**
         * Whether {@link #build()} checks that the table exists and has the right key (one {@code DescribeTable}
         * and one {@code DescribeTimeToLive}); true by default. Turn it off when the credentials may not describe
         * tables.
         *
         * @param verify whether to check the table
         * @return this builder
         */
        public Builder verifyTable(boolean verify) {
            this.verifyTable = verify;
            return this;
        }

        /**
         * The store.
         *
         * @return the store
         * @throws IllegalStateException if no table name was set, or (when verifying) the table is missing or has
         *     the wrong key schema; the message names the table and the problem
         * @throws StoreException if verifying and DynamoDB cannot be reached (connection refused, unknown host) or
         *     does not answer within {@link #timeout} (each of the check's calls is bounded by it); the
         *     message names the table, the endpoint and the cause
         */
        public DynamoDbStore build() {
            if (tableName == null) {
                throw new IllegalStateException("tableName was not set");
            }
            endpoint = Failures.endpointOf(client);
            serviceClock = serverTime ? new ServiceClock(timeSource != null ? timeSource : TimeSource.system()) : null;
            sync = Io.sync(client, tableName, endpoint, throttlingRetries, throttlingBackoff.toNanos(), serviceClock,
                    timeout);
            if (verifyTable) {
                TableSchema.verify(client, tableName, sync.override, endpoint, serviceClock);
            }
            return new DynamoDbStore(this);
        }
    }
}
