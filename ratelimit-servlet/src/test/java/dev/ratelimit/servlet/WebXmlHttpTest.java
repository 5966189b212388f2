package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.RateLimitFilterHttpTest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.http.Policy;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter as a web.xml user meets it: a web application in a Jetty 12 {@link WebAppContext} whose
 * {@code WEB-INF/web.xml} declares {@link RateLimitFilter} with init-params, and nothing else written in code.
 * Time is the system clock here, so the time-dependent values are checked as ranges; exact arithmetic is
 * {@link RateLimitFilterHttpTest}'s business.
 */
class WebXmlHttpTest {

    @TempDir
    Path dir;

    /** The web application in src/test/resources/webapp, configured from classpath:webxml/ratelimit.properties. */
    private static WebAppContext classpathWebapp() throws Exception {
        return webapp(Path.of(WebXmlHttpTest.class.getResource("/webapp").toURI()));
    }

    private static WebAppContext webapp(Path base) {
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResourceAsPath(base);
        webapp.setParentLoaderPriority(true);
        // A filter that fails in init must fail the start, not leave a context answering 503.
        webapp.setThrowUnavailableOnStartupException(true);
        return webapp;
    }

    /** A web application whose web.xml is the template with the given init-param values. */
    private WebAppContext templateWebapp(String config, String storeFactory, String... moreParams) throws Exception {
        String template;
        try (InputStream in = WebXmlHttpTest.class.getResourceAsStream("/webxml/web-template.xml")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path webInf = Files.createDirectories(dir.resolve("webapp/WEB-INF"));
        Files.writeString(webInf.resolve("web.xml"),
                template.replace("@CONFIG@", config).replace("@STORE_FACTORY@", storeFactory)
                        .replace("<!--@MORE_PARAMS@-->", initParams(moreParams)));
        return webapp(dir.resolve("webapp"));
    }

    /** {@code name, value, name, value, ...} as init-param elements. */
    private static String initParams(String... namesAndValues) {
        StringBuilder xml = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            xml.append("<init-param><param-name>").append(namesAndValues[i]).append("</param-name><param-value>")
                    .append(namesAndValues[i + 1]).append("</param-value></init-param>");
        }
        return xml.toString();
    }

    private Path writeConfig(String name, String... lines) throws Exception {
        return Files.write(dir.resolve(name), List.of(lines), StandardCharsets.UTF_8);
    }

    @Test
    void aWebXmlFilterWithAClasspathConfigurationAnswers200Then429WithHeaders() throws Exception {
        try (TestServer server = TestServer.start(classpathWebapp())) {
            HttpResponse<String> first = server.get("/api/orders", "X-API-Key", "k1");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("hello");
            assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"global\";q=1000;w=60, \"perKey\";q=2;w=60");
            assertThat(header(first, "RateLimit")).matches("\"global\";r=999;t=\\d, \"perKey\";r=1;t=(29|30)");
            assertThat(header(first, "X-RateLimit-Limit")).isEqualTo("2");
            assertThat(header(first, "X-RateLimit-Remaining")).isEqualTo("1");

            assertThat(server.get("/api/orders", "X-API-Key", "k1").statusCode()).isEqualTo(200);
            HttpResponse<String> denied = server.get("/api/orders", "X-API-Key", "k1");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Content-Type")).startsWith("application/problem+json");
            assertThat(Integer.parseInt(header(denied, "Retry-After"))).isBetween(1, 30);
            // global refills 1000/min on the system clock: by now it may have regained what the two requests spent.
            assertThat(header(denied, "RateLimit")).matches("\"global\";r=(998|999|1000);t=\\d+, \"perKey\";r=0;t=\\d+");
            assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(denied.body()).startsWith("{\"type\":\"https://iana.org/assignments/http-problem-types"
                    + "#quota-exceeded\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Policy perKey"
                    + " allows 2 requests per 1m; retry after ")
                    .contains("\"policy\":\"perKey\"", "\"violated-policies\":[\"perKey\"]");

            // Other keys, the excluded path and paths outside /api are not held back by k1's bucket.
            assertThat(server.get("/api/orders", "X-API-Key", "k2").statusCode()).isEqualTo(200);
            HttpResponse<String> health = server.get("/api/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("RateLimit")).isEmpty();
            HttpResponse<String> home = server.get("/");
            assertThat(home.statusCode()).isEqualTo(200);
            assertThat(header(home, "RateLimit-Policy")).isEqualTo("\"global\";q=1000;w=60");
            // A missing key on the per-key policy is 401.
            assertThat(server.get("/api/orders").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aWebXmlFilterReadsAConfigurationFromTheFileSystem() throws Exception {
        Path config = writeConfig("limits.properties",
                "ratelimit.policies=perIp",
                "ratelimit.policy.perIp.key=ip",
                "ratelimit.policy.perIp.limits=1/1h",
                "ratelimit.policy.perIp.algorithm=TOKEN_BUCKET",
                "ratelimit.headers.legacy=false",
                "ratelimit.reload=off");
        try (TestServer server = TestServer.start(templateWebapp("file:" + config.toAbsolutePath(), ""))) {
            HttpResponse<String> first = server.get("/");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"perIp\";q=1;w=3600");
            assertThat(header(first, "RateLimit")).matches("\"perIp\";r=0;t=\\d+");
            assertThat(first.headers().firstValue("X-RateLimit-Limit")).isEmpty();
            // No trusted proxies configured: a forged header does not buy a new bucket.
            HttpResponse<String> denied = server.get("/", "X-Forwarded-For", "203.0.113.9");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(Integer.parseInt(header(denied, "Retry-After"))).isBetween(1, 3600);
            assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
        }
    }

    @Test
    void aStoreFactoryNamedInWebXmlMakesTheStoreAndTheFilesFailurePolicyApplies() throws Exception {
        Path config = writeConfig("outage.properties",
                "redis.address=unreachable.example:6379",
                "ratelimit.policies=global",
                "ratelimit.policy.global.key=constant",
                "ratelimit.policy.global.limits=100/1s",
                "ratelimit.failurePolicy=deny");
        try (TestServer server = TestServer.start(templateWebapp("file:" + config.toAbsolutePath(),
                OutageStoreFactory.class.getName()))) {
            HttpResponse<String> denied = server.get("/");
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(header(denied, "Retry-After")).isEqualTo("1");
            assertThat(denied.body()).contains("\"detail\":\"The rate limit store is unavailable and policy global"
                    + " fails closed; retry after 1 second.\"");
        }
    }

    @Test
    void aBrokenConfigurationFailsTheStartWithAnErrorNamingTheKeyAndValue() throws Exception {
        Path config = writeConfig("broken.properties",
                "ratelimit.policies=api",
                "ratelimit.policy.api.key=header:X-API-Key",
                "ratelimit.policy.api.limits=100 per minute");
        assertThat(startFailure(templateWebapp("file:" + config.toAbsolutePath(), "")))
                .contains("RateLimitFilter rateLimit")
                .contains("ratelimit.policy.api.limits=100 per minute");
    }

    @Test
    void aMisspelledKeyFailsTheStartRatherThanBeingIgnored() throws Exception {
        Path config = writeConfig("typo.properties",
                "ratelimit.policies=api",
                "ratelimit.policy.api.key=ip",
                "ratelimit.policy.api.limits=10/1s",
                "ratelimit.policy.api.limt=20/1s");
        assertThat(startFailure(templateWebapp("file:" + config.toAbsolutePath(), "")))
                .contains("unknown key ratelimit.policy.api.limt");
    }

    @Test
    void aMissingConfigurationOrBadStoreFactoryFailsTheStartNamingIt() throws Exception {
        Path missing = dir.resolve("nowhere.properties").toAbsolutePath();
        assertThat(startFailure(templateWebapp("file:" + missing, "")))
                .contains("configuration file:" + missing + " does not exist");

        Path config = writeConfig("ok.properties",
                "ratelimit.policies=api",
                "ratelimit.policy.api.key=ip",
                "ratelimit.policy.api.limits=10/1s");
        assertThat(startFailure(templateWebapp("file:" + config.toAbsolutePath(), "com.example.NoSuchFactory")))
                .contains("storeFactory com.example.NoSuchFactory cannot be instantiated");
    }

    @Test
    void aSharedConfigurationWithoutRatelimitConfigFailsTheStartNamingTheMissingArtifacts() throws Exception {
        // This module's tests do not have ratelimit-config: exactly a web application that forgot it.
        assertThat(startFailure(templateWebapp("redis://app:s3cret@redis.internal:6379", "", "configKey", "k")))
                .contains("RateLimitFilter rateLimit: init-param config names a shared configuration (redis:...)",
                        "needs the artifact dev.ratelimit:ratelimit-config and redis.clients:jedis",
                        "ratelimit-config is missing")
                .doesNotContain("s3cret");
        assertThat(startFailure(templateWebapp("dynamodb:ratelimit", "")))
                .contains("init-param config names a shared configuration (dynamodb:...)",
                        "dev.ratelimit:ratelimit-config and software.amazon.awssdk:dynamodb");
    }

    @Test
    void aSharedConfigurationInitParamNextToAFileFailsTheStartNamingIt() throws Exception {
        Path config = writeConfig("ok.properties",
                "ratelimit.policies=api",
                "ratelimit.policy.api.key=ip",
                "ratelimit.policy.api.limits=10/1s");
        assertThat(startFailure(templateWebapp("file:" + config.toAbsolutePath(), "", "configPollInterval", "1s")))
                .contains("init-param configPollInterval=1s applies only to a shared configuration"
                        + " (config=redis://host:port or config=dynamodb:TABLE), not to file:"
                        + config.toAbsolutePath());
    }

    /** Starts the web application, expecting it to fail; the messages of the whole cause chain. */
    private static String startFailure(WebAppContext webapp) {
        List<String> messages = new ArrayList<>();
        assertThatThrownBy(() -> TestServer.start(webapp).close()).satisfies(e -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        });
        return String.join("\n", messages);
    }
}
