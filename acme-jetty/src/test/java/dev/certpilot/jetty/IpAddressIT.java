package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.test.Curl;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * IP-address certificates (RFC 8738) from Pebble, validated by HTTP-01 and by TLS-ALPN-01, and served by Jetty to
 * clients that connect by address and so send no SNI: curl with its defaults and the JDK's HttpClient, both checking
 * the address against the certificate. The default certificate is another one, for a DNS name, so the address
 * certificate is chosen by the local address the client connected to, not as the fallback.
 */
class IpAddressIT {

    private static final int IP_ADDRESS = 7; // GeneralName type of an iPAddress entry

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.authorizationReusePercent(0));

    @TempDir
    Path storage;

    private final Server server = new Server();
    private CertificateManager manager;

    @AfterEach
    void stop() throws Exception {
        server.stop();
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void anAddressValidatedByHttp01IsServedToClientsConnectingByAddress() throws Exception {
        var pebble = PEBBLE.pebble();
        var http01 = new InMemoryHttp01Responder();
        manager = builder().challenges(http01).build();
        var https = JettyHttps.builder(manager).http01(http01).host("127.0.0.1").httpPort(pebble.httpPort())
                .httpsPort(0).install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(30));

        var port = https.httpsConnector().getLocalPort();
        assertServedByAddress(port);
        try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), port, "site.test")) {
            assertThat(names(client.leaf())).as("by name, the name's certificate").containsExactly("site.test");
        }
        var redirect = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pebble.httpPort() + "/x?y")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(308);
        assertThat(redirect.headers().firstValue("Location")).hasValue("https://127.0.0.1:" + port + "/x?y");
    }

    @Test
    void anAddressValidatedByTlsAlpn01IsServedToClientsConnectingByAddress() throws Exception {
        var pebble = PEBBLE.pebble();
        var tlsAlpn01 = new InMemoryTlsAlpn01Responder();
        manager = builder().challenges(tlsAlpn01).build();
        var https = JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort())
                .install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(30));

        assertServedByAddress(https.httpsConnector().getLocalPort());
    }

    private dev.certpilot.core.CertificateManagerBuilder builder() {
        var pebble = PEBBLE.pebble();
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .certificate(new ManagedCertificate("site", List.of("site.test")))
                .certificate(ManagedCertificate.of("127.0.0.1"))
                .defaultCertificate("site")
                .storageDirectory(storage);
    }

    private void assertServedByAddress(int port) throws Exception {
        var pebble = PEBBLE.pebble();
        var url = URI.create("https://127.0.0.1:" + port + "/served");

        var curl = Curl.get(url, pebble.rootFile());
        assertThat(curl.exitCode()).as("curl: %s", curl.error()).isZero();
        assertThat(curl.status()).isEqualTo(200);
        assertThat(curl.httpVersion()).isEqualTo("2");

        var client = HttpClient.newBuilder().sslContext(TlsClient.trusting(pebble.root())).build();
        var response = client.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        var leaf = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(IP_ADDRESS, "127.0.0.1"));
        assertThat(leaf.getSerialNumber()).isEqualTo(manager.certificate("127.0.0.1").orElseThrow().leaf()
                .getSerialNumber());
        assertThat(leaf.getIssuerX500Principal().getName()).contains("Pebble");
    }

    private static List<String> names(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
    }
}
