package dev.certpilot.spring.boot;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;

import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The plain-HTTP port of a WebFlux application on Reactor Netty, which Boot gives one port only: a second Reactor
 * Netty server running the application's own {@link HttpHandler}, whose {@link FrontDoorWebFilter} answers
 * challenges and redirects the rest to HTTPS. Started after the main server, before the manager; stopped after it.
 */
final class PlainHttpServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.spring");

    private final ObjectProvider<HttpHandler> handler;
    private final String host;
    private final int port;
    private volatile DisposableServer server;

    PlainHttpServer(ObjectProvider<HttpHandler> handler, String host, int port) {
        this.handler = handler;
        this.host = host;
        this.port = port;
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        var http = HttpServer.create().port(port).handle(new ReactorHttpHandlerAdapter(handler.getObject()));
        if (host != null && !host.isBlank()) {
            http = http.host(host);
        }
        try {
            server = http.bindNow(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            throw new InvalidCertpilotPropertyException("certpilot.http-port", "cannot listen on port " + port + ": "
                    + e.getMessage(), "Free the port, or set certpilot.http-port to another and forward port 80 "
                    + "to it", e);
        }
        LOG.info("Plain HTTP (ACME challenges, redirects to HTTPS) on port {}", server.port());
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(10));
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** Before the manager's lifecycle, which starts at the default phase, after the web server's. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE - 1;
    }
}
