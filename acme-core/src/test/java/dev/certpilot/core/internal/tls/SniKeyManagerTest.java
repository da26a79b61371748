package dev.certpilot.core.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.ChallTestSrvDns;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.TrustAll;

/**
 * Real TLS handshakes against the manager's key manager, with certificates served from the store at start
 * (the CA is unreachable, so this also proves that start needs no CA when the store is complete).
 */
class SniKeyManagerTest {

    @TempDir
    Path storage;

    private final Instant now = Instant.now();
    private CertificateManager manager;
    private SSLServerSocket server;
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
    private CertificateBundle shop;
    private CertificateBundle wild;

    @BeforeEach
    void start() throws Exception {
        var store = new FileCertificateStore(storage);
        shop = SelfSigned.bundle("shop", now.minusSeconds(60), Duration.ofDays(30), "shop.test");
        wild = SelfSigned.bundle("wild", now.minusSeconds(60), Duration.ofDays(30), "*.wild.test", "wild.test");
        store.save(shop);
        store.save(wild);
        int deadPort;
        try (var socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:" + deadPort + "/dir"))
                .agreeToTermsOfService()
                .certificate("shop", "shop.test")
                .certificate("wild", "*.wild.test", "wild.test")
                .challenges(new InMemoryHttp01Responder(), new ChallTestSrvDns(null))
                .store(store)
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build();
        manager.start();
        serve(manager);
    }

    private void serve(CertificateManager served) throws Exception {
        if (server != null) {
            server.close();
        }
        var context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {served.keyManager()}, null, null);
        var listening = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getByName("127.0.0.1"));
        server = listening;
        acceptor.submit(() -> {
            while (!listening.isClosed()) {
                try (var socket = (SSLSocket) listening.accept()) {
                    socket.startHandshake();
                } catch (Exception ignored) {
                    // next connection
                }
            }
            return null;
        });
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        acceptor.shutdownNow();
        manager.close();
    }

    @Test
    void exactSniNameGetsItsCertificate() throws Exception {
        assertThat(handshake("shop.test")).isEqualTo(shop.leaf());
    }

    @Test
    void wildcardCoversOneLabelAndTheApexIsListedToo() throws Exception {
        assertThat(handshake("api.wild.test")).isEqualTo(wild.leaf());
        assertThat(handshake("wild.test")).isEqualTo(wild.leaf());
    }

    @Test
    void noSniOrAnUnknownNameGetsTheFirstConfiguredCertificate() throws Exception {
        assertThat(handshake(null)).isEqualTo(shop.leaf());
        assertThat(handshake("unknown.test")).isEqualTo(shop.leaf());
    }

    @Test
    void aClientConnectingByAddressGetsTheCertificateListingTheAddressItConnectedTo() throws Exception {
        var store = new FileCertificateStore(storage);
        var loopback = SelfSigned.bundle("loopback", now.minusSeconds(60), Duration.ofDays(30), "127.0.0.1");
        var other = SelfSigned.bundle("other", now.minusSeconds(60), Duration.ofDays(30), "192.0.2.7");
        store.save(loopback);
        store.save(other);
        try (var addressed = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:1/dir"))
                .agreeToTermsOfService()
                .certificate("shop", "shop.test")
                .certificate("other", "192.0.2.7")
                .certificate("loopback", "127.0.0.1")
                .challenges(new InMemoryHttp01Responder())
                .store(store)
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build()) {
            addressed.start();
            serve(addressed);

            assertThat(handshake(null)).as("no SNI, connected to 127.0.0.1").isEqualTo(loopback.leaf());
            assertThat(handshake("shop.test")).isEqualTo(shop.leaf());
            assertThat(handshake("unknown.test")).as("the first listing an address").isEqualTo(other.leaf());
        }
    }

    private X509Certificate handshake(String sni) throws Exception {
        var client = SSLContext.getInstance("TLS");
        client.init(null, new TrustManager[] {new TrustAll()}, null);
        try (var socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
            var parameters = socket.getSSLParameters();
            parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
