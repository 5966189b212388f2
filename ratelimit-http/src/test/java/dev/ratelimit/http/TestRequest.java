package dev.ratelimit.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A request for engine tests, without any server: headers as name/value pairs, names case-insensitive. */
record TestRequest(String method, String path, List<Map.Entry<String, String>> headers, String remoteAddress,
        String principal) implements HttpRequestView {

    static TestRequest get(String path) {
        return new TestRequest("GET", path, List.of(), "192.0.2.1", null);
    }

    TestRequest method(String newMethod) {
        return new TestRequest(newMethod, path, headers, remoteAddress, principal);
    }

    TestRequest from(String address) {
        return new TestRequest(method, path, headers, address, principal);
    }

    TestRequest user(String name) {
        return new TestRequest(method, path, headers, remoteAddress, name);
    }

    TestRequest header(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new TestRequest(method, path, List.copyOf(more), remoteAddress, principal);
    }

    @Override
    public List<String> headerValues(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                values.add(h.getValue());
            }
        }
        return values;
    }
}
