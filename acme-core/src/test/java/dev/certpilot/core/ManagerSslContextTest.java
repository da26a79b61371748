package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyManagementException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CertificateManager#sslContext()}: ready to serve, and after a renewal a fresh session cache, so that no
 * client resumes a session of the previous certificate. With a CA at the issuer boundary.
 */
class ManagerSslContextTest {

    @TempDir
    Path storage;

    @Test
    void servesTheCurrentCertificateAndANewSessionCacheAfterEachRenewal() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, new MutableClock());
        try (var manager = FakeCaManagers.builder(storage, new MutableClock(), new EventLog(), issuer)
                .domain("shop.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(10));
            var context = manager.sslContext();
            assertThat(context.getProvider()).as("the JDK's, for code that asks").isNotNull();
            assertThat(context.getProtocol()).isEqualTo("TLS");
            var before = context.getServerSessionContext();
            assertThat(handshake(context).getSerialNumber())
                    .isEqualTo(manager.certificate("shop.test").orElseThrow().serialNumber());

            var renewed = manager.renewNow("shop.test");

            assertThat(context.getServerSessionContext()).as("a fresh session cache").isNotSameAs(before);
            assertThat(handshake(context).getSerialNumber()).isEqualTo(renewed.serialNumber());
            assertThatThrownBy(() -> context.init(null, null, null)).isInstanceOf(KeyManagementException.class);
        }
    }

    private static X509Certificate handshake(SSLContext context) throws Exception {
        var pool = Executors.newSingleThreadExecutor();
        try (var server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getByName("127.0.0.1"))) {
            pool.submit(() -> {
                try (var socket = (SSLSocket) server.accept()) {
                    socket.startHandshake();
                }
                return null;
            });
            var client = SSLContext.getInstance("TLS");
            client.init(null, new TrustManager[] {new TrustAll()}, null);
            try (var socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
                var parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName("shop.test")));
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                return (X509Certificate) socket.getSession().getPeerCertificates()[0];
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
