package dev.ratelimit.lambda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Case-insensitive reads of the header maps API Gateway events carry. Stateless. */
final class Headers {

    private Headers() {
    }

    /** Every value under {@code name} in a {@code multiValueHeaders} map, over every spelling of the name. */
    static List<String> multiValued(Map<String, List<String>> headers, String name) {
        List<String> found = null;
        List<String> more = null;
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && e.getValue() != null) {
                if (found == null) {
                    found = e.getValue();
                } else {
                    if (more == null) {
                        more = new ArrayList<>(found);
                    }
                    more.addAll(e.getValue());
                }
            }
        }
        List<String> values = more != null ? more : found;
        if (values == null) {
            return List.of();
        }
        for (String v : values) {
            if (v == null) {
                List<String> clean = new ArrayList<>(values.size());
                for (String each : values) {
                    if (each != null) {
                        clean.add(each);
                    }
                }
                return List.copyOf(clean);
            }
        }
        return values;
    }

    /** The values under {@code name} in a {@code headers} map (one value per spelling of the name). */
    static List<String> singleValued(Map<String, String> headers, String name) {
        if (headers == null) {
            return List.of();
        }
        String first = null;
        List<String> more = null;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getValue() != null && e.getKey().equalsIgnoreCase(name)) {
                if (first == null) {
                    first = e.getValue();
                } else {
                    if (more == null) {
                        more = new ArrayList<>(2);
                        more.add(first);
                    }
                    more.add(e.getValue());
                }
            }
        }
        if (more != null) {
            return List.copyOf(more);
        }
        return first != null ? List.of(first) : List.of();
    }

    /**
     * Removes every entry of {@code map} whose key equals {@code name} ignoring case; for response maps, where a
     * header the engine sets replaces the application's of any spelling.
     */
    static void removeIgnoringCase(Map<String, ?> map, String name) {
        if (map != null) {
            map.keySet().removeIf(k -> k != null && k.equalsIgnoreCase(name));
        }
    }
}
