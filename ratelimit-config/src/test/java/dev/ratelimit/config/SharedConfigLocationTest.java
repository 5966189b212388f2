package dev.ratelimit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedConfigLocation} where the store's client library is missing: this module loaded by a class loader that
 * hides Jedis and the AWS SDK, as in a web application or function that forgot them. (The settings themselves are
 * tested where users write them: {@code WebXmlSharedConfigTest}, and the Lambda module's tests.)
 */
class SharedConfigLocationTest {

    /** This module's test class path, without the classes under {@code hidden}. */
    private static URLClassLoader without(String hidden) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith(hidden)) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
    }

    private static Throwable openFailure(URLClassLoader loader, String location) throws Exception {
        Function<String, String> origin = name -> "init-param " + name;
        InvocationTargetException thrown = (InvocationTargetException) catchThrowable(
                () -> loader.loadClass(SharedConfigLocation.class.getName()).getMethod("open", Map.class,
                        Function.class).invoke(null, Map.of("config", location), origin));
        assertThat(thrown).as("open(%s) must fail", location).isNotNull();
        return thrown.getCause();
    }

    @Test
    void withoutJedisARedisLocationNamesTheArtifact() throws Exception {
        try (URLClassLoader loader = without("redis.clients.")) {
            assertThat(openFailure(loader, "redis://app:s3cret@127.0.0.1:6379"))
                    .isInstanceOf(IllegalStateException.class).hasMessage("init-param config=redis://127.0.0.1:6379 needs Jedis (redis.clients:jedis) on the"
                            + " class path next to dev.ratelimit:ratelimit-config; it is missing");
        }
    }

    @Test
    void withoutTheAwsSdkADynamoDbLocationNamesTheArtifact() throws Exception {
        try (URLClassLoader loader = without("software.amazon.awssdk.")) {
            assertThat(openFailure(loader, "dynamodb:rate-limits")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("init-param config=dynamodb:rate-limits needs the AWS SDK's DynamoDB client"
                            + " (software.amazon.awssdk:dynamodb)");
        }
    }

    @Test
    void onlyRedisAndDynamoDbLocationsAreShared() {
        assertThat(SharedConfigLocation.isShared(" redis://h:1")).isTrue();
        assertThat(SharedConfigLocation.isShared("rediss://h:1")).isTrue();
        assertThat(SharedConfigLocation.isShared("dynamodb:t")).isTrue();
        assertThat(SharedConfigLocation.isShared("classpath:ratelimit.properties")).isFalse();
        assertThatThrownBy(() -> SharedConfigLocation.open(Map.of("config", "file:/x"), n -> n))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("config=file:/x: expected redis://host:port, rediss://host:port or dynamodb:TABLE");
    }
}
