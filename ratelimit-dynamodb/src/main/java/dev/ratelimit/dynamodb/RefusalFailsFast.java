package dev.ratelimit.dynamodb;

import java.net.ConnectException;
import java.net.UnknownHostException;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.SdkServiceClientConfiguration;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.AcquireInitialTokenResponse;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RecordSuccessResponse;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenResponse;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;

/**
 * A request-level plugin that keeps the client's own retry strategy but stops it from retrying a refused
 * connection or an unknown host: the SDK's default strategies retry every I/O failure with backoff, so a refused
 * connection used to cost each decision the whole request timeout and surface as "timed out". A store request
 * that cannot connect now fails at once, and {@link Failures} says why. Clients configured with a legacy
 * {@code RetryPolicy} instead of a {@code RetryStrategy} are left as they are. One instance per client (it
 * remembers the configuration it made for that client); thread-safe.
 */
final class RefusalFailsFast implements SdkPlugin {

    /**
     * The configuration this plugin made from its client's, computed on first use: a client's configuration does
     * not change after it is built, and one plugin serves one client, so later requests reuse it.
     */
    private volatile ClientOverrideConfiguration made;
    private volatile boolean leaveAlone;

    /** A plugin for the requests to one client. */
    RefusalFailsFast() {
    }

    @Override
    public void configureClient(SdkServiceClientConfiguration.Builder config) {
        if (leaveAlone) {
            return;
        }
        ClientOverrideConfiguration cached = made;
        if (cached != null) {
            config.overrideConfiguration(cached);
            return;
        }
        ClientOverrideConfiguration override = config.overrideConfiguration();
        RetryStrategy strategy = override == null ? null : override.retryStrategy().orElse(null);
        if (strategy == null || strategy instanceof NoRetryOnRefusal) {
            leaveAlone = true;
            return;
        }
        cached = override.toBuilder().retryStrategy(new NoRetryOnRefusal(strategy)).build();
        made = cached;
        config.overrideConfiguration(cached);
    }

    static boolean refused(Throwable failure) {
        return Failures.find(failure, ConnectException.class) != null
                || Failures.find(failure, UnknownHostException.class) != null;
    }

    /** Delegates everything to the client's strategy except a retry after a refused connection. */
    private static final class NoRetryOnRefusal implements RetryStrategy {
        private final RetryStrategy delegate;

        NoRetryOnRefusal(RetryStrategy delegate) {
            this.delegate = delegate;
        }

        @Override
        public AcquireInitialTokenResponse acquireInitialToken(AcquireInitialTokenRequest request) {
            return delegate.acquireInitialToken(request);
        }

        @Override
        public RefreshRetryTokenResponse refreshRetryToken(RefreshRetryTokenRequest request) {
            if (refused(request.failure())) {
                throw new TokenAcquisitionFailedException("not retrying a refused connection", request.token(),
                        request.failure());
            }
            return delegate.refreshRetryToken(request);
        }

        @Override
        public RecordSuccessResponse recordSuccess(RecordSuccessRequest request) {
            return delegate.recordSuccess(request);
        }

        @Override
        public int maxAttempts() {
            return delegate.maxAttempts();
        }

        @Override
        public boolean useClientDefaults() {
            return delegate.useClientDefaults();
        }

        @Override
        public Builder<?, ?> toBuilder() {
            return delegate.toBuilder();
        }
    }
}
