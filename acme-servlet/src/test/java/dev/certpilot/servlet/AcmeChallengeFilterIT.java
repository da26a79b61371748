package dev.certpilot.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import jakarta.servlet.DispatcherType;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * A real Pebble validates HTTP-01 through the filter in a real Jetty, which then serves the issued certificate
 * over HTTPS; a real HTTPS client (Jetty's, verifying host names) resolves every name to loopback.
 */
class AcmeChallengeFilterIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @TempDir
    Path storage;

    @Test
    void pebbleValidatesThroughTheFilterBehindARedirectAndHttpsCarriesHsts(Pebble pebble) throws Exception {
        var http01 = new InMemoryHttp01Responder();
        var httpsPort = freePort();
        var filter = AcmeChallengeFilter.builder(http01).redirectToHttps(httpsPort)
                .hsts(Hsts.maxAge(Duration.ofMinutes(5))).build();
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .domain("shop.test")
                .challenges(http01)
                .storageDirectory(storage)
                .build();
             var server = ServletServer.start(UriCompliance.DEFAULT, pebble.httpPort(), s -> {
                 s.context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
                 s.server.addConnector(httpsConnector(s, manager, httpsPort));
             });
             var client = new HttpClient()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(60));
            var issued = manager.certificate("shop.test").orElseThrow();
            assertThat(http01.pendingCount()).isZero();

            client.setSslContextFactory(trusting(pebble));
            client.setFollowRedirects(false);
            client.setSocketAddressResolver((host, port, context, promise) ->
                    promise.succeeded(List.of(loopback(host, port))));
            client.start();

            var redirect = client.GET("http://shop.test:" + pebble.httpPort() + "/account?tab=2");
            assertThat(redirect.getStatus()).isEqualTo(308);
            assertThat(redirect.getHeaders().get("Location")).isEqualTo("https://shop.test:" + httpsPort
                    + "/account?tab=2");
            assertThat(redirect.getHeaders().get("Strict-Transport-Security")).as("no HSTS over HTTP").isNull();

            var challenge = client.GET("http://shop.test:" + pebble.httpPort() + AcmeChallengeFilter.CHALLENGE_PATH
                    + "no-longer-pending");
            assertThat(challenge.getStatus()).as("the challenge path is not redirected").isEqualTo(404);

            ContentResponse page = client.GET("https://shop.test:" + httpsPort + "/account?tab=2");
            assertThat(page.getStatus()).isEqualTo(200);
            assertThat(page.getContentAsString()).isEqualTo("app /account");
            assertThat(page.getHeaders().get("Strict-Transport-Security")).isEqualTo("max-age=300");
            assertThat(servedSerial(client, httpsPort)).isEqualTo(issued.serialNumber());
        }
    }

    private static ServerConnector httpsConnector(ServletServer server, CertificateManager manager, int port) {
        var ssl = new SslContextFactory.Server();
        try {
            var context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {manager.keyManager()}, null, null);
            ssl.setSslContext(context);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        var connector = new ServerConnector(server.server, ssl);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        return connector;
    }

    private static SslContextFactory.Client trusting(Pebble pebble) throws Exception {
        var trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("pebble-root", pebble.root());
        var ssl = new SslContextFactory.Client();
        ssl.setTrustStore(trust);
        ssl.setEndpointIdentificationAlgorithm("HTTPS");
        return ssl;
    }

    /** The serial of the certificate served to a fresh handshake for shop.test, verified as the client did. */
    private static BigInteger servedSerial(HttpClient client, int port) throws Exception {
        var factory = client.getSslContextFactory().getSslContext().getSocketFactory();
        try (var plain = new Socket(InetAddress.getLoopbackAddress(), port);
             var socket = (SSLSocket) factory.createSocket(plain, "shop.test", port, true)) {
            var parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /** Loopback under the name {@code host}: Jetty's client verifies the certificate against that name. */
    private static InetSocketAddress loopback(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws Exception {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
