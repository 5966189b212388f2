package dev.ratelimit.config;

import dev.ratelimit.http.ConfigException;
import dev.ratelimit.http.ConfigText;
import dev.ratelimit.http.RateLimitConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command-line tool: {@code java -jar ratelimit-config-VERSION-cli.jar COMMAND [OPTIONS] [FILE]}.
 *
 * <pre>
 * validate FILE                                  check a text with the engine's parser (no store needed)
 * show     STORE                                 print the version and text in the store
 * publish  STORE --expected-version N FILE       validate, then write as version N+1 if the store is at N
 *
 * STORE is one of
 *   --redis URI                  redis://[user:password@]host:port[/db] (rediss:// for TLS)
 *          [--redis-key K]       the hash (default ratelimit:config); the channel is the same name
 *   --dynamodb-table T           the table (credentials and region from the AWS SDK's default chains)
 *          [--dynamodb-id ID] [--dynamodb-key-attribute A] [--dynamodb-endpoint URL] [--region R]
 * FILE is a path, or - for standard input.
 * </pre>
 *
 * <p>{@code show} prints {@code # version N of STORE} and then the text, so its output can be edited and
 * published with {@code --expected-version N}. Exit codes: 0 done; 1 the configuration is invalid (the message names
 * the key and value); 2 version conflict (the message names the version in the store); 3 the store cannot be reached
 * or holds something else; 64 usage error (unknown command or option, missing file).
 *
 * <p>Not a library type: it prints to the streams it is given. Thread-safe ({@link #run} keeps no state).
 */
public final class ConfigTool {

    /** Exit code: done. */
    public static final int OK = 0;
    /** Exit code: the configuration is invalid. */
    public static final int INVALID = 1;
    /** Exit code: the store holds another version than expected. */
    public static final int CONFLICT = 2;
    /** Exit code: the store cannot be reached or used. */
    public static final int UNREACHABLE = 3;
    /** Exit code: the command line is wrong (sysexits EX_USAGE). */
    public static final int USAGE = 64;

    private static final Set<String> OPTIONS = Set.of("--redis", "--redis-key", "--dynamodb-table", "--dynamodb-id",
            "--dynamodb-key-attribute", "--dynamodb-endpoint", "--region", "--expected-version");
    private static final String USAGE_TEXT = """
            usage: ratelimit-config validate FILE
                   ratelimit-config show    (--redis URI [--redis-key K] | --dynamodb-table T [--dynamodb-id ID]
                                             [--dynamodb-key-attribute A] [--dynamodb-endpoint URL] [--region R])
                   ratelimit-config publish STORE --expected-version N FILE     (FILE may be - for stdin)
            exit codes: 0 ok, 1 invalid configuration, 2 version conflict, 3 store unreachable, 64 usage""";

    private ConfigTool() {
    }

    /**
     * Runs the tool and exits the JVM with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /**
     * Runs the tool.
     *
     * @param args the command line
     * @param in standard input, read for FILE {@code -}
     * @param out where results go
     * @param err where errors go
     * @return the exit code
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Map<String, String> options = new HashMap<>();
        List<String> positional = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--")) {
                if (!OPTIONS.contains(arg)) {
                    return usage(err, "unknown option " + arg);
                }
                if (i + 1 >= args.length) {
                    return usage(err, "option " + arg + " needs a value");
                }
                options.put(arg, args[++i]);
            } else {
                positional.add(arg);
            }
        }
        if (positional.isEmpty()) {
            return usage(err, "no command");
        }
        String command = positional.get(0);
        List<String> files = positional.subList(1, positional.size());
        try {
            switch (command) {
                case "validate": {
                    if (files.size() != 1) {
                        return usage(err, "validate takes one FILE");
                    }
                    String text = readFile(files.get(0), in);
                    RateLimitConfig config = ConfigPublisher.validate(text, sourceName(files.get(0)));
                    out.println(sourceName(files.get(0)) + " is valid: " + config.policies().size() + " policies");
                    return OK;
                }
                case "show": {
                    if (!files.isEmpty()) {
                        return usage(err, "show takes no FILE");
                    }
                    try (SharedConfig store = store(options)) {
                        if (store == null) {
                            return usage(err, "show needs --redis or --dynamodb-table");
                        }
                        Optional<ConfigText> current = new ConfigPublisher(store).show();
                        if (current.isEmpty()) {
                            out.println("# version 0 of " + store.name() + ": nothing published yet");
                        } else {
                            out.println("# version " + current.get().version() + " of " + store.name());
                            out.print(current.get().text());
                        }
                        return OK;
                    }
                }
                case "publish": {
                    if (files.size() != 1) {
                        return usage(err, "publish takes one FILE");
                    }
                    String expected = options.get("--expected-version");
                    if (expected == null) {
                        return usage(err, "publish needs --expected-version N (the version show prints; 0 for"
                                + " the first publish)");
                    }
                    long version;
                    try {
                        version = Long.parseLong(expected);
                    } catch (NumberFormatException e) {
                        return usage(err, "--expected-version must be a whole number but was \"" + expected + "\"");
                    }
                    if (version < 0) {
                        return usage(err, "--expected-version must be 0 or more but was " + version);
                    }
                    String text = readFile(files.get(0), in);
                    ConfigPublisher.validate(text, sourceName(files.get(0)));
                    try (SharedConfig store = store(options)) {
                        if (store == null) {
                            return usage(err, "publish needs --redis or --dynamodb-table");
                        }
                        ConfigText now = new ConfigPublisher(store).publish(text, version);
                        out.println("published version " + now.version() + " to " + now.source());
                        return OK;
                    }
                }
                default:
                    return usage(err, "unknown command " + command);
            }
        } catch (UsageException e) {
            return usage(err, e.getMessage());
        } catch (ConfigException e) {
            err.println("invalid configuration: " + e.getMessage());
            return INVALID;
        } catch (VersionConflictException e) {
            err.println("version conflict: " + e.getMessage());
            return CONFLICT;
        } catch (ConfigStoreException e) {
            err.println("store unreachable: " + e.getMessage());
            return UNREACHABLE;
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("ratelimit-config: " + problem);
        err.println(USAGE_TEXT);
        return USAGE;
    }

    private static String sourceName(String file) {
        return file.equals("-") ? "stdin" : file;
    }

    private static String readFile(String file, InputStream in) {
        try {
            byte[] bytes = file.equals("-") ? in.readAllBytes() : Files.readAllBytes(Path.of(file));
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e);
        }
    }

    /** The store named by the options, on a client of its own; null if none is named. */
    private static SharedConfig store(Map<String, String> options) {
        String redis = options.get("--redis");
        String table = options.get("--dynamodb-table");
        if (redis != null && table != null) {
            throw new UsageException("give --redis or --dynamodb-table, not both");
        }
        if (redis == null && table == null) {
            return null;
        }
        Map<String, String> optionOf = redis != null
                ? Map.of(SharedConfigLocation.LOCATION, "--redis", SharedConfigLocation.KEY, "--redis-key")
                : Map.of(SharedConfigLocation.LOCATION, "--dynamodb-table", SharedConfigLocation.KEY, "--dynamodb-id",
                        SharedConfigLocation.KEY_ATTRIBUTE, "--dynamodb-key-attribute",
                        SharedConfigLocation.ENDPOINT, "--dynamodb-endpoint", SharedConfigLocation.REGION, "--region");
        Map<String, String> settings = new HashMap<>();
        for (Map.Entry<String, String> e : optionOf.entrySet()) {
            String value = options.get(e.getValue());
            if (value != null) {
                settings.put(e.getKey(), value);
            }
        }
        for (String option : options.keySet()) {
            if (!optionOf.containsValue(option) && !option.equals("--expected-version")) {
                throw new UsageException(option + " applies only with " + (redis != null ? "--dynamodb-table"
                        : "--redis"));
            }
        }
        settings.put(SharedConfigLocation.LOCATION, redis != null ? redis : "dynamodb:" + table);
        settings.put(SharedConfigLocation.TIMEOUT, "2s");
        if (redis != null) {
            settings.put(SharedConfigLocation.PUSH, "false"); // a one-shot tool never listens
        }
        try {
            return SharedConfigLocation.open(settings, name -> optionOf.getOrDefault(name, name));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A bad command line found late (an unreadable file, a bad URI). */
    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
