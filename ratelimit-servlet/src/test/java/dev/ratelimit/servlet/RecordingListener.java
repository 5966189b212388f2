package dev.ratelimit.servlet;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimitListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the filter's limiters report, as "allowed|denied limiterName key". */
final class RecordingListener implements RateLimitListener {

    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void onAllowed(String limiter, String key, long permits, Decision decision) {
        events.add("allowed " + limiter + " " + key);
    }

    @Override
    public void onDenied(String limiter, String key, long permits, Decision decision) {
        events.add("denied " + limiter + " " + key);
    }

    @Override
    public void onStoreError(String limiter, String key, Throwable error, Decision decision) {
        events.add("error " + limiter + " " + key);
    }
}
