package dev.certpilot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import com.sun.net.httpserver.HttpServer;

/**
 * A plain HTTP server on 127.0.0.1 that answers HTTP-01 challenges ({@code /.well-known/acme-challenge/TOKEN}) from a
 * function of host and token, for tests that have no web server of their own: start it on {@link Pebble#httpPort()},
 * where Pebble validates, with {@code responder::keyAuthorization} of an {@code InMemoryHttp01Responder}. Close it to
 * stop it. Thread-safe.
 */
public final class Http01Server implements AutoCloseable {

    private static final String PREFIX = "/.well-known/acme-challenge/";

    private final HttpServer server;
    private final AtomicInteger answered = new AtomicInteger();

    private Http01Server(int port, BiFunction<String, String, Optional<String>> keyAuthorization) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 16);
        server.createContext(PREFIX, exchange -> {
            var host = exchange.getRequestHeaders().getFirst("Host");
            host = host == null ? "" : host.replaceFirst(":\\d+$", "");
            var token = exchange.getRequestURI().getPath().substring(PREFIX.length());
            var body = keyAuthorization.apply(host, token);
            if (body.isPresent()) {
                answered.incrementAndGet();
                var bytes = body.get().getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
    }

    /**
     * Starts a server on {@code port} of 127.0.0.1.
     *
     * @param keyAuthorization the key authorization for a host and token, or empty for a 404
     * @param port the port
     * @return the running server
     * @throws UncheckedIOException if the port cannot be bound
     */
    public static Http01Server start(int port, BiFunction<String, String, Optional<String>> keyAuthorization) {
        try {
            return new Http01Server(port, keyAuthorization);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serve HTTP-01 on 127.0.0.1:" + port, e);
        }
    }

    /**
     * How many challenge requests got a key authorization.
     *
     * @return the requests answered
     */
    public int answered() {
        return answered.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
