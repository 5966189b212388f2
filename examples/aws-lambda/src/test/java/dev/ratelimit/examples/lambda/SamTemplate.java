package dev.ratelimit.examples.lambda;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * template.yaml, parsed with SnakeYAML. CloudFormation's short-form functions ({@code !Ref X}, {@code !GetAtt A.B},
 * {@code !Sub s}) are read as one-entry maps ({@code {"!Ref": "X"}}), so a test sees what each value refers to, and
 * {@link #resolve} evaluates the few this template uses for one stack name and the parameters' defaults.
 */
final class SamTemplate {

    private static final Pattern SUB = Pattern.compile("\\$\\{([^}]+)}");

    final Map<String, Object> root;
    private final String stackName;

    private SamTemplate(Map<String, Object> root, String stackName) {
        this.root = root;
        this.stackName = stackName;
    }

    static SamTemplate load(Path file, String stackName) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            Map<String, Object> root = new Yaml(new CloudFormationConstructor()).load(in);
            return new SamTemplate(root, stackName);
        }
    }

    Map<String, Object> resource(String name) {
        return map(map(root, "Resources"), name);
    }

    Map<String, Object> properties(String resource) {
        return map(resource(resource), "Properties");
    }

    /** A value with !Ref, !Sub and !GetAtt evaluated: parameters by their default, resources by their name. */
    String resolve(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Number n) {
            return n.toString();
        }
        Map<String, Object> fn = cast(value);
        if (fn.containsKey("!Ref")) {
            String name = (String) fn.get("!Ref");
            Map<String, Object> parameter = map(root, "Parameters").containsKey(name)
                    ? map(map(root, "Parameters"), name) : null;
            return parameter != null ? resolve(parameter.get("Default")) : name;
        }
        if (fn.containsKey("!Sub")) {
            Matcher m = SUB.matcher((String) fn.get("!Sub"));
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String name = m.group(1);
                String replacement = name.equals("AWS::StackName") ? stackName
                        : resolve(Map.of("!Ref", name));
                m.appendReplacement(out, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(out);
            return out.toString();
        }
        throw new IllegalArgumentException("cannot resolve " + value);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object value) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("not a mapping: " + value);
        }
        return (Map<String, Object>) value;
    }

    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (value == null) {
            throw new IllegalArgumentException("template has no " + key + " in " + parent.keySet());
        }
        return cast(value);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> parent, String key) {
        return (List<Object>) parent.get(key);
    }

    /** Reads every {@code !Function} tag as a one-entry map from the tag to its value. */
    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor() {
            super(new LoaderOptions());
            this.yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    Object value;
                    if (node instanceof ScalarNode scalar) {
                        value = scalar.getValue();
                    } else if (node instanceof SequenceNode sequence) {
                        value = constructSequence(sequence);
                    } else {
                        value = constructMapping((MappingNode) node);
                    }
                    Map<String, Object> fn = new LinkedHashMap<>();
                    fn.put(node.getTag().getValue(), value);
                    return fn;
                }
            });
        }
    }
}
