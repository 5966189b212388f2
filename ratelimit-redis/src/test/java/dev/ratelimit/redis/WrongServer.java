package dev.ratelimit.redis;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A "wrong server" for {@link RedisWrongReplyTest}: a TCP server that speaks enough RESP2 for a client to connect
 * (it refuses {@code HELLO}, so clients fall back to RESP2, and accepts {@code CLIENT}, {@code PING} and
 * {@code SELECT}), and answers every other command with one fixed raw reply. It stands in for what the store must
 * survive: a proxy or a different server on the Redis port. Redis itself is never replaced by it.
 */
final class WrongServer implements AutoCloseable {

    private final ServerSocket socket;
    private final byte[] reply;
    private final List<Socket> clients = new ArrayList<>();
    private final Thread acceptor;

    /** {@code reply} is raw RESP, e.g. {@code ":1\r\n"}. */
    WrongServer(String reply) throws IOException {
        this.reply = reply.getBytes(StandardCharsets.UTF_8);
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "wrong-server-" + socket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                synchronized (clients) {
                    clients.add(client);
                }
                Thread t = new Thread(() -> serve(client), "wrong-server-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; InputStream in = new BufferedInputStream(client.getInputStream());
                OutputStream out = client.getOutputStream()) {
            while (true) {
                List<String> command = readCommand(in);
                if (command == null) {
                    return;
                }
                String name = command.isEmpty() ? "" : command.get(0).toUpperCase(Locale.ROOT);
                byte[] answer = switch (name) {
                    case "HELLO" -> "-ERR unknown command 'HELLO'\r\n".getBytes(StandardCharsets.UTF_8);
                    case "CLIENT", "SELECT" -> "+OK\r\n".getBytes(StandardCharsets.UTF_8);
                    case "PING" -> "+PONG\r\n".getBytes(StandardCharsets.UTF_8);
                    default -> reply;
                };
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** One RESP array of bulk strings, or null at end of stream. */
    private static List<String> readCommand(InputStream in) throws IOException {
        String header = line(in);
        if (header == null) {
            return null;
        }
        if (!header.startsWith("*")) {
            return List.of(header.trim().split(" "));
        }
        int n = Integer.parseInt(header.substring(1));
        List<String> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String len = line(in);
            if (len == null) {
                return null;
            }
            byte[] data = in.readNBytes(Integer.parseInt(len.substring(1)));
            in.readNBytes(2);
            parts.add(new String(data, StandardCharsets.UTF_8));
        }
        return parts;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read();
                return b.toString();
            }
            b.append((char) c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        synchronized (clients) {
            for (Socket c : clients) {
                c.close();
            }
        }
    }
}
