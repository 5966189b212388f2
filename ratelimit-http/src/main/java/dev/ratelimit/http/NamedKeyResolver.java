package dev.ratelimit.http;

/** A {@link KeyResolver} with a readable {@code toString()} for logs and errors. Thread-safe if the delegate is. */
final class NamedKeyResolver implements KeyResolver {

    private final String name;
    private final KeyResolver delegate;

    NamedKeyResolver(String name, KeyResolver delegate) {
        this.name = name;
        this.delegate = delegate;
    }

    @Override
    public String resolve(HttpRequestView request) {
        return delegate.resolve(request);
    }

    @Override
    public String toString() {
        return name;
    }
}
