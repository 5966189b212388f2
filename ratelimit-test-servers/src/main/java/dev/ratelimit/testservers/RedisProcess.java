package dev.ratelimit.testservers;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} process on 127.0.0.1, started and stopped by this project's tests, examples and
 * benchmarks (build infrastructure, not part of the library). The binary is
 * {@code redis-server} from the PATH when there is one, otherwise the one inside the embedded-redis jar (extracted
 * to a temporary file), so the tests need nothing but a JDK and Maven. {@code -Dratelimit.redis.binary=embedded}
 * forces the jar's binary; {@code -Dratelimit.redis.binary=/path/to/redis-server} names one.
 *
 * <p>Thread-safe for starting servers; one instance is driven by one test at a time.
 */
public final class RedisProcess implements AutoCloseable {

    private static final Path BINARY = findBinary();
    private static final List<RedisProcess> RUNNING = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (RUNNING) {
                for (RedisProcess p : RUNNING) {
                    p.process.destroyForcibly();
                }
                for (RedisProcess p : RUNNING) {
                    try {
                        p.process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    p.deleteDirectory();
                }
            }
        }));
    }

    private final int port;
    private final Path dir;
    private final List<String> leadingArgs;
    private final List<String> extraArgs;
    private Process process;

    private RedisProcess(int port, Path dir, List<String> leadingArgs, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.leadingArgs = leadingArgs;
        this.extraArgs = extraArgs;
    }

    /**
     * The binary the tests run.
     *
     * @return {@code redis-server} from the PATH when there is one, else the binary extracted from embedded-redis
     */
    public static Path binary() {
        return BINARY;
    }

    /**
     * Starts a server on a free port and waits until it answers PING.
     *
     * @param extraArgs more {@code redis-server} arguments, e.g. {@code "--maxmemory", "1mb"}
     * @return the running server; close it to stop it and delete its directory
     */
    public static RedisProcess start(String... extraArgs) {
        return start(freePort(false), extraArgs);
    }

    /**
     * Starts a server on the given port and waits until it answers PING.
     *
     * @param port the port to listen on (127.0.0.1 only)
     * @param extraArgs more {@code redis-server} arguments, e.g. {@code "--cluster-enabled", "yes"}
     * @return the running server; close it to stop it and delete its directory
     */
    public static RedisProcess start(int port, String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("ratelimit-redis-" + port + "-");
            RedisProcess p = new RedisProcess(port, dir, List.of(), List.of(extraArgs));
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a Sentinel on a free port that monitors the master on {@code masterPort} under {@code masterName}
     * (quorum 1), and waits until it answers PING. Sentinel needs a writable config file, written here.
     *
     * @param masterName the name the Sentinel knows the master by
     * @param masterPort the master's port on 127.0.0.1
     * @return the running Sentinel; close it to stop it and delete its directory
     */
    public static RedisProcess startSentinel(String masterName, int masterPort) {
        try {
            int port = freePort(false);
            Path dir = Files.createTempDirectory("ratelimit-redis-" + port + "-");
            Path config = dir.resolve("sentinel.conf");
            Files.writeString(config, "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1\n");
            RedisProcess p = new RedisProcess(port, dir, List.of(config.toString(), "--sentinel"), List.of());
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The port the server listens on.
     *
     * @return the port on 127.0.0.1
     */
    public int port() {
        return port;
    }

    /**
     * The server's process id, for signals sent from a test.
     *
     * @return the pid of the running process
     */
    public long pid() {
        return process.pid();
    }

    /** Starts the server again on the same port and directory (after {@link #kill()}). */
    public void restart() {
        launch();
    }

    /** SIGKILL, and waits for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        synchronized (RUNNING) {
            RUNNING.remove(this);
        }
    }

    /** SIGSTOP: the server keeps its sockets open but stops answering. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            resume();
            kill();
        }
        deleteDirectory();
    }

    private void deleteDirectory() {
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(BINARY.toString()));
        command.addAll(leadingArgs);
        command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (RUNNING) {
            RUNNING.add(this);
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("redis-server exited: " + log());
                    }
                    try (Jedis jedis = new Jedis("127.0.0.1", port, 1_000)) {
                        return "PONG".equals(jedis.ping());
                    }
                });
    }

    /**
     * The server's version line and the binary it runs, for benchmark results.
     *
     * @return e.g. {@code redis_version:7.0.15 (/usr/bin/redis-server)}
     */
    public String version() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 1_000)) {
            return jedis.info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst()
                    .orElse("redis_version:?") + " (" + BINARY + ")";
        }
    }

    /**
     * The server's log so far, for a failing test's message.
     *
     * @return the log file's content, or a note saying why it could not be read
     */
    public String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * A port that is free, and (for cluster nodes) whose bus port, port + 10000, is free too.
     *
     * @param withBusPort whether port + 10000 must be free as well
     * @return a port on 127.0.0.1 that was free when checked
     */
    public static int freePort(boolean withBusPort) {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = withBusPort ? ThreadLocalRandom.current().nextInt(20_000, 40_000) : 0;
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                int bound = socket.getLocalPort();
                if (!withBusPort) {
                    return bound;
                }
                try (ServerSocket bus = new ServerSocket()) {
                    bus.bind(new InetSocketAddress("127.0.0.1", bound + 10_000));
                    return bound;
                }
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port found");
    }

    private static Path findBinary() {
        String forced = System.getProperty("ratelimit.redis.binary", "");
        if (!forced.isEmpty() && !forced.equals("embedded")) {
            return Path.of(forced);
        }
        if (forced.isEmpty()) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return extractEmbedded();
    }

    /** The binary shipped in com.github.codemonstur:embedded-redis, for this OS and CPU. */
    private static Path extractEmbedded() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm");
        String name;
        if (os.contains("linux")) {
            name = arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        } else if (os.contains("mac")) {
            name = arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        } else {
            throw new IllegalStateException("no redis-server on the PATH and no embedded binary for " + os);
        }
        try (InputStream in = RedisProcess.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("embedded-redis jar has no " + name);
            }
            Path dir = Files.createTempDirectory("ratelimit-redis-bin-");
            Path target = dir.resolve("redis-server");
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            if (!target.toFile().setExecutable(true)) {
                throw new IllegalStateException("cannot make " + target + " executable");
            }
            // deleteOnExit runs in reverse order: the file first, then its directory.
            dir.toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "redis-server on 127.0.0.1:" + port + " (" + BINARY + ")";
    }
}
