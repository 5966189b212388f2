package dev.ratelimit.benchmarks.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import redis.clients.jedis.Jedis;

/**
 * A {@code redis-server} on a free 127.0.0.1 port for one benchmark trial, without persistence. The binary is
 * {@code redis-server} from the PATH, else the one inside the embedded-redis jar. Not thread-safe; one per trial.
 */
final class LocalRedisServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path binary;
    private final Path dir;

    private LocalRedisServer(Process process, int port, Path binary, Path dir) {
        this.process = process;
        this.port = port;
        this.binary = binary;
        this.dir = dir;
    }

    /** Starts a server and waits (at most 20 s) until it answers PING. */
    static LocalRedisServer start() throws IOException, InterruptedException {
        Path binary = findBinary();
        int port = freePort();
        Path dir = Files.createTempDirectory("ratelimit-bench-redis-");
        Process process = new ProcessBuilder(List.of(binary.toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        LocalRedisServer server = new LocalRedisServer(process, port, binary, dir);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try (Jedis jedis = new Jedis("127.0.0.1", port, 1_000)) {
                if ("PONG".equals(jedis.ping())) {
                    return server;
                }
            } catch (RuntimeException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new IllegalStateException("redis-server did not start: "
                            + Files.readString(dir.resolve("redis.log")), notYet);
                }
                Thread.sleep(20);
            }
        }
    }

    int port() {
        return port;
    }

    /** The server's version line, for the results. */
    String version() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 1_000)) {
            return jedis.info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst()
                    .orElse("redis_version:?") + " (" + binary + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private static Path findBinary() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
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
        try (InputStream in = LocalRedisServer.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on the PATH and the embedded-redis jar has no " + name);
            }
            Path binDir = Files.createTempDirectory("ratelimit-bench-redis-bin-");
            Path target = binDir.resolve("redis-server");
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            if (!target.toFile().setExecutable(true)) {
                throw new UncheckedIOException(new IOException("cannot make " + target + " executable"));
            }
            binDir.toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            return target;
        }
    }
}
