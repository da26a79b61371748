package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/**
 * The ask endpoint's exchange is bounded as a whole, against real HTTP servers on loopback that misbehave as an
 * attacker's or a broken endpoint would: a status at once and then a body trickled a byte every two seconds, a body
 * of endless bytes, no status at all.
 */
class OnDemandDecisionTest {

    private final HttpServer server = start();

    private static HttpServer start() {
        try {
            var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI endpoint(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void aStatusAtOnceDecidesWithoutWaitingForATrickledBody() throws Exception {
        server.createContext("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (var body = exchange.getResponseBody()) {
                for (int i = 0; i < 60; i++) {
                    body.write('x');
                    body.flush();
                    TimeUnit.SECONDS.sleep(2);
                }
            } catch (IOException | InterruptedException closedByTheClient) {
                // the client stopped reading, as it should
            }
        });
        var started = System.nanoTime();

        assertThat(OnDemandDecision.ask(endpoint("/trickle")).allows("shop.example")).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not the 120 s of the body")
                .isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void anEndlessBodyIsNotRead() throws Exception {
        server.createContext("/flood", exchange -> {
            exchange.sendResponseHeaders(403, 0);
            var chunk = new byte[64 * 1024];
            try (var body = exchange.getResponseBody()) {
                while (true) {
                    body.write(chunk);
                }
            } catch (IOException closedByTheClient) {
                // done
            }
        });
        var started = System.nanoTime();

        assertThat(OnDemandDecision.ask(endpoint("/flood")).allows("shop.example")).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void noStatusWithinTheTimeoutIsCannotTell() {
        server.createContext("/silent", exchange -> {
            try {
                TimeUnit.SECONDS.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var started = System.nanoTime();

        assertThatThrownBy(() -> OnDemandDecision.ask(endpoint("/silent"), Duration.ofMillis(500)).allows("x.example"))
                .isInstanceOf(IOException.class).hasMessageContaining("gave no status within PT0.5S");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }
}
