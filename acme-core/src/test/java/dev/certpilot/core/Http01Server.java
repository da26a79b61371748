package dev.certpilot.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/** A plain JDK HTTP server on 127.0.0.1 that answers HTTP-01 challenges from an {@link InMemoryHttp01Responder}. */
final class Http01Server implements AutoCloseable {

    private static final String PREFIX = "/.well-known/acme-challenge/";

    private final HttpServer server;
    private final AtomicInteger answered = new AtomicInteger();

    Http01Server(int port, InMemoryHttp01Responder responder) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 16);
        server.createContext(PREFIX, exchange -> {
            var host = exchange.getRequestHeaders().getFirst("Host");
            host = host == null ? "" : host.replaceFirst(":\\d+$", "");
            var token = exchange.getRequestURI().getPath().substring(PREFIX.length());
            var body = responder.keyAuthorization(host, token);
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

    /** How many challenge requests got a key authorization. */
    int answered() {
        return answered.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
