package dev.certpilot.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.sun.net.httpserver.HttpServer;

import dev.certpilot.test.PebbleExtension;

/**
 * A plain JDK HTTP server on 127.0.0.1, at the port Pebble validates HTTP-01 against, answering from
 * {@link #responder()}. Register it as a non-static extension: it runs for each test.
 */
final class Http01Server implements BeforeEachCallback, AfterEachCallback {

    private static final String PREFIX = "/.well-known/acme-challenge/";

    private final PebbleExtension pebble;
    private final InMemoryHttp01Responder responder = new InMemoryHttp01Responder();
    private final AtomicInteger answered = new AtomicInteger();
    private HttpServer server;

    Http01Server(PebbleExtension pebble) {
        this.pebble = pebble;
    }

    InMemoryHttp01Responder responder() {
        return responder;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        var port = pebble.pebble().httpPort();
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
    public void afterEach(ExtensionContext context) {
        server.stop(0);
    }
}
