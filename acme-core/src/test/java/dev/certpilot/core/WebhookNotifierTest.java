package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.toolbox.JSON;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The webhook notifier against a real HTTP receiver (the JDK's server on a loopback port): the body Slack and Teams
 * show, the fields, a signature the receiver can check, retries on 5xx within a bound, none on 4xx, and a receiver
 * that never answers cut at the timeout.
 */
class WebhookNotifierTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private HttpServer server;

    private record Received(String body, String signature, String contentType) {
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI receiver(int... statuses) throws IOException {
        var calls = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(body, exchange.getRequestHeaders().getFirst(WebhookNotifier.SIGNATURE_HEADER),
                    exchange.getRequestHeaders().getFirst("Content-Type")));
            int call = calls.getAndIncrement();
            respond(exchange, call < statuses.length ? statuses[call] : 200);
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook/T000/secret-token");
    }

    private static void respond(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private static Notice expired() {
        return new Notice(Notice.Kind.EXPIRED, "shop", List.of("shop.test"),
                "renewal keeps failing, and the certificate expired 3 hours ago", "Validation of shop.test failed",
                7, Instant.parse("2027-03-01T12:00:00Z"), "Make sure the CA reaches this process",
                Instant.parse("2027-03-01T10:00:00Z"), List.of());
    }

    @Test
    void theNoticeArrivesSignedWithTheTextChatToolsShowAndItsFields() throws Exception {
        var url = receiver();
        var before = Instant.now().getEpochSecond();
        WebhookNotifier.builder(url).secret(SECRET).build().send(expired());

        var request = received.poll(10, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        assertThat(request.contentType()).isEqualTo("application/json");
        var json = JSON.parse(request.body());
        assertThat(json.get("text").asString()).startsWith("[certpilot] shop: renewal keeps failing, and the "
                + "certificate expired 3 hours ago\nshop (shop.test): ").contains("What to do: Make sure the CA");
        var fields = json.get("certpilot").asObject();
        assertThat(fields.get("kind").asString()).isEqualTo("EXPIRED");
        assertThat(fields.get("certificate").asString()).isEqualTo("shop");
        assertThat(fields.get("domains").asArray().get(0).asString()).isEqualTo("shop.test");
        assertThat(fields.get("attempts").asInt()).isEqualTo(7);
        assertThat(fields.get("nextAttempt").asInstant()).isEqualTo(Instant.parse("2027-03-01T12:00:00Z"));

        // the receiver's check: the time is recent and the HMAC over "t.body" matches
        var signature = request.signature();
        assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
        var time = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(time).isBetween(before, Instant.now().getEpochSecond());
        assertThat(signature).isEqualTo(WebhookNotifier.signature(SECRET, time, request.body()));
        assertThat(signature).isNotEqualTo(WebhookNotifier.signature(SECRET, time, request.body() + " "));
        assertThat(signature).isNotEqualTo(WebhookNotifier.signature("another secret of 32 characters!", time,
                request.body()));
    }

    @Test
    void aServerErrorIsTriedAgainWithinTheBoundAndAClientErrorIsNot() throws Exception {
        var url = receiver(503, 502, 200);
        WebhookNotifier.builder(url).retries(3, Duration.ofMillis(10)).build().send(expired());
        assertThat(received).hasSize(3);

        received.clear();
        stop();
        var refused = receiver(404, 200);
        var notifier = WebhookNotifier.builder(refused).retries(3, Duration.ofMillis(10)).build();
        assertThatThrownBy(() -> notifier.send(expired())).isInstanceOf(IOException.class)
                .hasMessage("The webhook http://127.0.0.1:" + server.getAddress().getPort() + "/... answered HTTP 404")
                .message().doesNotContain("secret-token");
        assertThat(received).as("a 4xx will not change: one try").hasSize(1);
    }

    @Test
    void aReceiverThatNeverAnswersIsCutAtTheTimeoutOnEachTry() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.add(new Received("", null, null));
            // never answers
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        var url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        var notifier = WebhookNotifier.builder(url).timeout(Duration.ofMillis(300)).retries(2, Duration.ZERO).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> notifier.send(expired())).hasMessageContaining("did not answer within PT0.3S");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(received).hasSize(2);
    }

    @Test
    void aUrlThatWouldSendInClearOrASecretTooShortIsRefused() {
        assertThatThrownBy(() -> WebhookNotifier.builder(URI.create("http://hooks.example.test/x")))
                .hasMessageContaining("must be an absolute https:// URL (or http:// to a loopback address)");
        assertThatThrownBy(() -> WebhookNotifier.builder(URI.create("https://hooks.example.test/x")).secret("short"))
                .hasMessageContaining("at least 16 characters");
        assertThat(WebhookNotifier.builder(URI.create("https://hooks.example.test/services/T0/B0/token")).build())
                .hasToString("WebhookNotifier[https://hooks.example.test/...]");
    }
}
