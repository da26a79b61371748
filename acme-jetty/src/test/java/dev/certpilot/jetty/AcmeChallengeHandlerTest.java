package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.InMemoryHttp01Responder;

/** The handler in a real Jetty over plain HTTP, with raw requests so that hostile bytes arrive unchanged. */
class AcmeChallengeHandlerTest {

    private static final String TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    private static final String KEY_AUTHORIZATION = TOKEN + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

    private final InMemoryHttp01Responder responder = new InMemoryHttp01Responder();
    private final Server server = new Server();
    private ServerConnector connector;

    @BeforeEach
    void start() throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new AcmeChallengeHandler(responder, 8443, Hsts.maxAge(Duration.ofDays(1)), new App()));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @Test
    void aPendingChallengeIsAnsweredToItsHostOnly() throws IOException {
        var answer = exchange("GET /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1\r\nHost: localhost");
        assertThat(answer).startsWith("HTTP/1.1 200").contains("Content-Type: text/plain")
                .contains("Cache-Control: no-store").endsWith(KEY_AUTHORIZATION);
        assertThat(exchange("HEAD /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1\r\nHost: localhost"))
                .startsWith("HTTP/1.1 200").contains("Content-Length: " + KEY_AUTHORIZATION.length())
                .doesNotContain(KEY_AUTHORIZATION);
        assertThat(exchange("GET /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1\r\nHost: evil.test"))
                .startsWith("HTTP/1.1 404").doesNotContain(KEY_AUTHORIZATION);
        assertThat(exchange("POST /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Length: 0")).startsWith("HTTP/1.1 405").contains("Allow: GET, HEAD");
    }

    @Test
    void plainHttpIsRedirectedWithMethodPathAndQueryKeptAndNoHsts() throws IOException {
        var answer = exchange("POST /form?a=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0");

        assertThat(answer).startsWith("HTTP/1.1 308").contains("Location: https://localhost:8443/form?a=1")
                .doesNotContain("Strict-Transport-Security");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/.well-known/acme-challenge/../../etc/passwd",
        "/.well-known/acme-challenge/%2e%2e%2fetc%2fpasswd",
        "/.well-known/acme-challenge/%65vaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
        "/.well-known/acme-challenge/" + TOKEN + "/x",
        "/.well-known/acme-challenge/" + TOKEN + ";x=1",
        "/.well-known/%61cme-challenge/" + TOKEN,
        "/.well-known/./acme-challenge/" + TOKEN,
        "/.well-known/acme-challenge/",
    })
    void hostilePathsGet4xxAndNoKeyAuthorization(String path) throws IOException {
        var answer = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost");

        assertThat(answer).matches("(?s)HTTP/1.1 4\\d\\d.*").doesNotContain(KEY_AUTHORIZATION);
    }

    @Test
    void aLongTokenIsRefusedBeforeAnyLookup() throws IOException {
        for (var length : List.of(257, 10_000)) {
            var answer = exchange("GET /.well-known/acme-challenge/" + "A".repeat(length) + " HTTP/1.1\r\nHost: localhost");
            assertThat(answer).as("%d characters", length).matches("(?s)HTTP/1.1 4\\d\\d.*");
        }
    }

    private String exchange(String head) throws IOException {
        try (var socket = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
