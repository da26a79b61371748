package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.spi.TlsAlpn01Responder;
import dev.certpilot.test.Curl;
import dev.certpilot.test.HeadlessChromium;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.TlsClient;

/**
 * {@link JettyHttps} as users reach it: curl with its defaults, the JDK's HttpClient, Jetty's client and a headless
 * Chromium, each offering {@code h2} and {@code http/1.1} through ALPN, before and after a renewal; clients that
 * offer no ALPN; and the faults anyone on the internet can send to a public port.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClientsIT {

    private static final String HOST = "clients.test";

    @TempDir
    static Path storage;

    private static Pebble pebble;
    private static CertificateManager manager;
    private static Server server;
    private static JettyHttps https;

    @BeforeAll
    static void serve() throws Exception {
        pebble = Pebble.start();
        var http01 = new InMemoryHttp01Responder();
        manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService().storageDirectory(storage).domain(HOST).challenges(http01).build();
        server = new Server();
        https = JettyHttps.builder(manager).http01(http01).host("127.0.0.1").httpPort(pebble.httpPort()).httpsPort(0)
                .hsts(Hsts.maxAge(Duration.ofMinutes(5))).requestHeaderTimeout(Duration.ofSeconds(2))
                .install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (manager != null) {
            manager.close();
        }
        if (pebble != null) {
            pebble.close();
        }
    }

    private static URI url(String path) {
        return URI.create("https://" + HOST + ":" + https.httpsConnector().getLocalPort() + path);
    }

    private static String servedSerial() {
        return manager.certificate(HOST).orElseThrow().serialNumber().toString(16);
    }

    @Test
    @Order(1)
    void curlWithItsDefaultsGetsThePageOverHttp2WithTheIssuedCertificate() {
        var response = Curl.get(url("/served"), pebble.rootFile());

        assertThat(response.exitCode()).as(response.error()).isZero();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.httpVersion()).isEqualTo("2");
        assertThat(response.body()).contains("HTTP/2.0 serial " + servedSerial());
        assertThat(response.header("strict-transport-security")).hasValue("max-age=300");
        assertThat(response.header("server")).as("no Server header on a public port").isEmpty();
    }

    @Test
    @Order(2)
    void curlOfferingOnlyHttp11OrNoAlpnAtAllGetsHttp11() {
        var http11 = Curl.get(url("/served"), pebble.rootFile(), "--http1.1");
        var noAlpn = Curl.get(url("/served"), pebble.rootFile(), "--no-alpn");

        assertThat(http11.exitCode()).as(http11.error()).isZero();
        assertThat(http11.httpVersion()).isEqualTo("1.1");
        assertThat(http11.body()).contains("HTTP/1.1 serial " + servedSerial());
        assertThat(noAlpn.exitCode()).as(noAlpn.error()).isZero();
        assertThat(noAlpn.httpVersion()).isEqualTo("1.1");
        assertThat(noAlpn.body()).contains("HTTP/1.1 serial " + servedSerial());
    }

    @Test
    @Order(3)
    void theJdkHttpClientNegotiatesHttp2() throws Exception {
        var client = HttpClient.newBuilder().sslContext(TlsClient.trusting(pebble.root())).build();

        var response = client.send(HttpRequest.newBuilder(url("/served")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.body()).contains("HTTP/2.0 serial " + servedSerial());
    }

    @Test
    @Order(4)
    void jettysClientNegotiatesHttp2() throws Exception {
        var tls = new SslContextFactory.Client();
        tls.setSslContext(TlsClient.trusting(pebble.root()));
        var connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        var client = new org.eclipse.jetty.client.HttpClient(new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)),
                HttpClientConnectionFactory.HTTP11));
        client.setSocketAddressResolver((host, port, context, promise) ->
                promise.succeeded(List.of(loopback(host, port))));
        client.start();
        try {
            var response = client.GET(url("/served"));

            assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            assertThat(response.getContentAsString()).contains("HTTP/2.0 serial " + servedSerial());
        } finally {
            client.stop();
        }
    }

    @Test
    @Order(5)
    void aHeadlessBrowserLoadsThePageBeforeAndAfterARenewalWithTheNewSerial() {
        try (var browser = HeadlessChromium.trusting(pebble.root())) {
            var before = servedSerial();
            assertThat(browser.load(url("/served"))).contains("HTTP/2.0 serial " + before);

            var renewed = manager.renewNow(HOST).serialNumber().toString(16);

            assertThat(renewed).isNotEqualTo(before);
            assertThat(browser.load(url("/served"))).contains("HTTP/2.0 serial " + renewed);
            var curl = Curl.get(url("/served"), pebble.rootFile());
            assertThat(curl.body()).contains("HTTP/2.0 serial " + renewed);
        }
    }

    @Test
    @Order(6)
    void theBrowserRefusesACertificateFromAnotherRoot() throws Exception {
        try (var other = Pebble.start(); var browser = HeadlessChromium.trusting(other.root())) {
            assertThatThrownBy(() -> browser.load(url("/served"))).hasMessageContaining("ERR_CERT_AUTHORITY_INVALID");
        }
    }

    @Test
    void aTls12ClientOfferingAcmeTlsWithNothingPendingGetsNoWarningInTheLog() throws Exception {
        var err = System.err;
        var captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 3; i++) {
                var process = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:"
                        + https.httpsConnector().getLocalPort(), "-servername", HOST, "-tls1_2", "-alpn",
                        TlsAlpn01Responder.ACME_TLS_PROTOCOL).redirectErrorStream(true).start();
                process.getOutputStream().close();
                var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(output).contains("Protocol  : TLSv1.2")
                        .contains("ALPN protocol: " + TlsAlpn01Responder.ACME_TLS_PROTOCOL);
            }
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("WARN").doesNotContain("ERROR");
    }

    @Test
    void optionsAsteriskOnTheHttpPortIsAnsweredWithoutAnError() throws Exception {
        var answer = raw(pebble.httpPort(), "OPTIONS * HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("Allow: GET, HEAD, OPTIONS");
    }

    @Test
    void http10WithoutHostIsRefusedWithoutNamingTheServersOwnAddress() throws Exception {
        var answer = raw(pebble.httpPort(), "GET /private HTTP/1.0\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400").doesNotContain("127.0.0.1").doesNotContain("Location");
    }

    @Test
    void aClientTricklingItsRequestHeaderIsCutOffAtTheDeadline() throws Exception {
        try (var socket = new Socket(InetAddress.getLoopbackAddress(), pebble.httpPort())) {
            socket.setSoTimeout(1000);
            var out = socket.getOutputStream();
            var started = System.nanoTime();
            var closed = false;
            var header = "GET / HTTP/1.1\r\nHost: clients.test\r\nX-Slow: " + "a".repeat(100);
            for (int i = 0; i < header.length() && !closed; i++) {
                try {
                    out.write(header.charAt(i));
                    out.flush();
                    closed = readsEnd(socket.getInputStream());
                } catch (IOException reset) {
                    closed = true;
                }
            }
            var seconds = (System.nanoTime() - started) / 1e9;
            assertThat(closed).as("closed while still trickling").isTrue();
            assertThat(seconds).as("closed at the 2 s deadline, long before the 30 s idle timeout")
                    .isBetween(1.5, 10.0);
        }
    }

    @Test
    void theConnectorsHaveAnIdleTimeoutAndAConnectionLimit() {
        assertThat(https.httpsConnector().getIdleTimeout()).isEqualTo(30_000);
        assertThat(https.httpConnector().getIdleTimeout()).isEqualTo(30_000);
        assertThat(server.getBeans(NetworkConnectionLimit.class)).singleElement()
                .satisfies(limit -> assertThat(limit.getMaxNetworkConnectionCount()).isEqualTo(4096));
    }

    /** {@code host} at 127.0.0.1: the client verifies the certificate against {@code host}. */
    private static InetSocketAddress loopback(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Waits up to the socket's timeout for a byte; true if the server closed the connection. */
    private static boolean readsEnd(InputStream in) throws IOException {
        try {
            return in.read() == -1;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        }
    }

    private static String raw(int port, String request) throws IOException {
        try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
