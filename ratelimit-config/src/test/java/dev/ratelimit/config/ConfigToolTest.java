package dev.ratelimit.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.dynamodb.DynamoDbStore;
import dev.ratelimit.testservers.DynamoDbLocal;
import dev.ratelimit.testservers.RedisProcess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line tool against a real redis-server and DynamoDB Local: every exit code and its message. */
class ConfigToolTest {

    private static RedisProcess redis;

    @TempDir
    Path dir;

    private final String key = "cfg:" + UUID.randomUUID();
    private String out;
    private String err;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private int run(String stdin, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ConfigTool.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    private String file(String name, String text) throws Exception {
        Path path = dir.resolve(name);
        Files.writeString(path, text);
        return path.toString();
    }

    private String uri() {
        return "redis://127.0.0.1:" + redis.port();
    }

    @Test
    void validateSaysOkOrNamesTheBadKey() throws Exception {
        assertThat(run("", "validate", file("good.properties", Texts.V1))).isEqualTo(ConfigTool.OK);
        assertThat(out).contains("good.properties is valid: 1 policies");
        assertThat(run("", "validate", file("bad.properties", Texts.BAD))).isEqualTo(ConfigTool.INVALID);
        assertThat(err).contains("invalid configuration", "bad.properties", "ratelimit.plan.basic.limits",
                "4/1minute");
        assertThat(run(Texts.V2, "validate", "-")).isEqualTo(ConfigTool.OK);
    }

    @Test
    void publishShowAndAConflict() throws Exception {
        assertThat(run("", "show", "--redis", uri(), "--redis-key", key)).isEqualTo(ConfigTool.OK);
        assertThat(out).contains("# version 0 of redis key " + key + ": nothing published yet");

        String v1 = file("v1.properties", Texts.V1);
        assertThat(run("", "publish", "--redis", uri(), "--redis-key", key, "--expected-version", "0", v1))
                .isEqualTo(ConfigTool.OK);
        assertThat(out).contains("published version 1 to redis key " + key);

        assertThat(run("", "show", "--redis", uri(), "--redis-key", key)).isEqualTo(ConfigTool.OK);
        assertThat(out).isEqualTo("# version 1 of redis key " + key + "\n" + Texts.V1);
        // show's output is itself a valid file to edit and publish.
        String edited = file("edited.properties", out.replace("2/1m", "3/1m"));
        assertThat(run("", "publish", "--redis", uri(), "--redis-key", key, "--expected-version", "1", edited))
                .isEqualTo(ConfigTool.OK);

        assertThat(run("", "publish", "--redis", uri(), "--redis-key", key, "--expected-version", "1", v1))
                .isEqualTo(ConfigTool.CONFLICT);
        assertThat(err).contains("version conflict", "is at version 2, not 1");

        assertThat(run("", "publish", "--redis", uri(), "--redis-key", key, "--expected-version", "2",
                file("bad.properties", Texts.BAD))).isEqualTo(ConfigTool.INVALID);
        assertThat(err).contains("ratelimit.plan.basic.limits");
        assertThat(run("", "show", "--redis", uri(), "--redis-key", key)).isEqualTo(ConfigTool.OK);
        assertThat(out).startsWith("# version 2 of");
    }

    @Test
    void anUnreachableStoreExitsWith3() throws Exception {
        int port = RedisProcess.freePort(false);
        assertThat(run("", "show", "--redis", "redis://127.0.0.1:" + port)).isEqualTo(ConfigTool.UNREACHABLE);
        assertThat(err).contains("store unreachable", "redis key ratelimit:config");
        assertThat(run("", "publish", "--redis", "redis://127.0.0.1:" + port, "--expected-version", "0",
                file("v1.properties", Texts.V1))).isEqualTo(ConfigTool.UNREACHABLE);
    }

    @Test
    void usageErrorsExitWith64() throws Exception {
        assertThat(run("")).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("no command", "usage:");
        assertThat(run("", "deploy")).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("unknown command deploy");
        assertThat(run("", "show", "--colour", "red")).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("unknown option --colour");
        assertThat(run("", "show")).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("show needs --redis or --dynamodb-table");
        String v1 = file("v1.properties", Texts.V1);
        assertThat(run("", "publish", "--redis", uri(), v1)).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("--expected-version");
        assertThat(run("", "publish", "--redis", uri(), "--expected-version", "x", v1)).isEqualTo(ConfigTool.USAGE);
        assertThat(run("", "validate", dir.resolve("missing.properties").toString())).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("cannot read", "missing.properties");
        assertThat(run("", "show", "--redis", "http://x")).isEqualTo(ConfigTool.USAGE);
        assertThat(run("", "show", "--redis", uri(), "--dynamodb-table", "t")).isEqualTo(ConfigTool.USAGE);
        // An option of the other store is refused rather than ignored; a password is never repeated.
        assertThat(run("", "show", "--redis", uri(), "--dynamodb-id", "x")).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("--dynamodb-id applies only with --dynamodb-table");
        assertThat(run("", "show", "--redis", "redis://u:s3cret@127.0.0.1:1/x")).isEqualTo(ConfigTool.USAGE);
        assertThat(err).contains("--redis=redis://127.0.0.1:1/x: the path must be a database number")
                .doesNotContain("s3cret");
    }

    @Test
    void dynamoDbPublishAndShow() throws Exception {
        String id = System.getProperty("aws.accessKeyId");
        String secret = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.accessKeyId", "local"); // DynamoDB Local keeps tables per access key
        System.setProperty("aws.secretAccessKey", "local");
        try (DynamoDbLocal local = DynamoDbLocal.start()) {
            DynamoDbStore.createTable(local.client(), "ratelimit");
            String[] store = {"--dynamodb-table", "ratelimit", "--dynamodb-endpoint", local.endpoint().toString(),
                "--region", "us-east-1"};
            assertThat(run("", concat(new String[] {"publish", "--expected-version", "0", file("v1.properties",
                    Texts.V1)}, store))).as(err).isEqualTo(ConfigTool.OK);
            assertThat(out).contains("published version 1 to dynamodb table ratelimit item pk=ratelimit:config");
            assertThat(run("", concat(new String[] {"show"}, store))).isEqualTo(ConfigTool.OK);
            assertThat(out).isEqualTo("# version 1 of dynamodb table ratelimit item pk=ratelimit:config\n"
                    + Texts.V1);
            assertThat(run("", concat(new String[] {"publish", "--expected-version", "0", file("v2.properties",
                    Texts.V2)}, store))).isEqualTo(ConfigTool.CONFLICT);
            assertThat(err).contains("is at version 1, not 0");
            int closed = RedisProcess.freePort(false);
            assertThat(run("", "show", "--dynamodb-table", "ratelimit", "--dynamodb-endpoint",
                    "http://127.0.0.1:" + closed, "--region", "us-east-1")).isEqualTo(ConfigTool.UNREACHABLE);
            assertThat(err).contains("store unreachable", "dynamodb table ratelimit");
        } finally {
            restore("aws.accessKeyId", id);
            restore("aws.secretAccessKey", secret);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
