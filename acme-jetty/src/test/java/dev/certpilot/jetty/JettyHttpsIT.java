package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.spi.TlsAlpn01Responder;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/** A real Jetty serving certificates that a real Pebble issues, checked with real TLS handshakes. */
class JettyHttpsIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

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

    private CertificateManagerBuilder manager(Pebble pebble) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .storageDirectory(storage)
                .issuanceTimeout(Duration.ofSeconds(30));
    }

    /**
     * Builds the manager with TLS-ALPN-01 only, serves it on Pebble's TLS-ALPN port with no HTTP connector, and
     * waits for its certificates.
     */
    private JettyHttps serveWithTlsAlpn(Pebble pebble, CertificateManagerBuilder builder) throws Exception {
        var tlsAlpn = new InMemoryTlsAlpn01Responder();
        manager = builder.challenges(tlsAlpn).build();
        var https = JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort())
                .install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(60));
        assertThat(tlsAlpn.pendingCount()).as("validation certificates removed").isZero();
        return https;
    }

    private SSLContext trust(Pebble pebble) throws Exception {
        return TlsClient.trusting(pebble.root());
    }

    @Test
    void http01IsAnsweredOnTheHttpConnectorWhichRedirectsEverythingElse(Pebble pebble) throws Exception {
        var http01 = new InMemoryHttp01Responder();
        manager = manager(pebble).domain("shop.test").challenges(http01).build();
        var https = JettyHttps.builder(manager).http01(http01).host("127.0.0.1").httpPort(pebble.httpPort())
                .httpsPort(0).install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(30));

        var port = https.httpsConnector().getLocalPort();
        try (var client = TlsClient.connect(trust(pebble), port, "shop.test")) {
            assertThat(client.leaf().getSerialNumber())
                    .isEqualTo(manager.certificate("shop.test").orElseThrow().serialNumber());
            assertThat(client.get("shop.test", "/cart")).isEqualTo("app /cart");
        }
        var redirect = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://shop.test:"
                + pebble.httpPort() + "/cart?item=2")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(308);
        assertThat(redirect.headers().firstValue("Location")).hasValue("https://shop.test:" + port + "/cart?item=2");
        var elsewhere = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:"
                + pebble.httpPort() + "/cart")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode()).as("a host the manager does not serve is not redirected").isEqualTo(421);
        assertThat(elsewhere.headers().firstValue("Location")).isEmpty();
    }

    @Test
    void tlsAlpn01IsAnsweredOnTheHttpsConnectorWithNoHttpConnectorAtAll(Pebble pebble) throws Exception {
        var https = serveWithTlsAlpn(pebble, manager(pebble).domain("alpn.test"));

        assertThat(server.getConnectors()).containsExactly(https.httpsConnector());
        assertThat(https.httpConnector()).isNull();
        var issued = manager.certificate("alpn.test").orElseThrow();
        assertThat(issued.isSelfSigned()).isFalse();
        try (var client = TlsClient.connect(trust(pebble), pebble.tlsPort(), "alpn.test")) {
            assertThat(client.leaf().getSerialNumber()).isEqualTo(issued.serialNumber());
        }
    }

    @Test
    void aTlsAlpn01ResponderOfTheApplicationsOwnIsConsultedByTheKeyManager(Pebble pebble) throws Exception {
        var deployed = new java.util.concurrent.atomic.AtomicInteger();
        var pending = new ConcurrentHashMap<String, TlsAlpn01Responder.ValidationCertificate>();
        var own = new TlsAlpn01Responder() { // say, one that shares validations through the application's cache
            @Override
            public void deploy(String domain, java.security.cert.X509Certificate certificate,
                               java.security.PrivateKey privateKey) {
                deployed.incrementAndGet();
                pending.put(domain, new ValidationCertificate(certificate, privateKey));
            }

            @Override
            public void remove(String domain) {
                pending.remove(domain);
            }

            @Override
            public java.util.Optional<ValidationCertificate> validationCertificate(String domain) {
                return java.util.Optional.ofNullable(pending.get(domain));
            }
        };
        manager = manager(pebble).domain("own.test").challenges(own).build();
        JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort()).install(server, new App());
        server.start();
        manager.start();

        manager.awaitCertificates(Duration.ofSeconds(60));

        assertThat(deployed.get()).isPositive();
        assertThat(pending).as("removed after validation").isEmpty();
        try (var client = TlsClient.connect(trust(pebble), pebble.tlsPort(), "own.test")) {
            assertThat(client.leaf().getSerialNumber())
                    .isEqualTo(manager.certificate("own.test").orElseThrow().serialNumber());
        }
    }

    @Test
    void aRenewalReachesNewHandshakesWhileAnOpenConnectionKeepsItsCertificate(Pebble pebble) throws Exception {
        var https = serveWithTlsAlpn(pebble, manager(pebble).domain("live.test"));
        var old = manager.certificate("live.test").orElseThrow();
        var contextBefore = https.sslContextFactory().getSslContext();

        try (var open = TlsClient.connect(trust(pebble), pebble.tlsPort(), "live.test")) {
            assertThat(open.get("live.test", "/before")).isEqualTo("app /before");

            var renewed = manager.renewNow("live.test");

            assertThat(renewed.serialNumber()).isNotEqualTo(old.serialNumber());
            assertThat(https.sslContextFactory().getSslContext()).as("reloaded in place, so no session of the old "
                    + "certificate is resumed").isNotSameAs(contextBefore);
            assertThat(open.get("live.test", "/after")).as("the open connection keeps working")
                    .isEqualTo("app /after");
            assertThat(open.leaf().getSerialNumber()).isEqualTo(old.serialNumber());
            try (var fresh = TlsClient.connect(trust(pebble), pebble.tlsPort(), "live.test")) {
                assertThat(fresh.leaf().getSerialNumber()).isEqualTo(renewed.serialNumber());
                assertThat(fresh.get("live.test", "/new")).isEqualTo("app /new");
            }
            assertThat(server.isRunning()).isTrue();
        }
    }

    @Test
    void oneConnectorServesEachNameItsOwnCertificateAndTheFirstToClientsWithoutSni(Pebble pebble)
            throws Exception {
        serveWithTlsAlpn(pebble, manager(pebble).certificate("first", "first.test")
                .certificate("second", "second.test").certificate("third", "third.test", "www.third.test"));

        for (var name : new String[] {"first", "second", "third"}) {
            var bundle = manager.certificate(name).orElseThrow();
            for (var domain : bundle.domains()) {
                try (var client = TlsClient.connect(trust(pebble), pebble.tlsPort(), domain)) {
                    assertThat(client.leaf().getSerialNumber()).as(domain).isEqualTo(bundle.serialNumber());
                }
            }
        }
        try (var client = TlsClient.connect(trust(pebble), pebble.tlsPort(), null)) {
            assertThat(client.leaf().getSerialNumber()).as("no SNI: the first configured certificate")
                    .isEqualTo(manager.certificate("first").orElseThrow().serialNumber());
        }
    }

    @Test
    void clientsWithoutSniGetTheConfiguredDefault(Pebble pebble) throws Exception {
        serveWithTlsAlpn(pebble, manager(pebble).domain("one.test").domain("two.test")
                .defaultCertificate("two.test"));

        try (var client = TlsClient.connect(trust(pebble), pebble.tlsPort(), null)) {
            assertThat(client.leaf().getSerialNumber())
                    .isEqualTo(manager.certificate("two.test").orElseThrow().serialNumber());
        }
    }

    @Test
    void aNameWithoutItsFirstCertificateYetIsServedTheBootstrapCertificate(Pebble pebble) throws Exception {
        int deadPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = socket.getLocalPort();
        }
        manager = CertificateManager.builder().certificateAuthority(CertificateAuthority.of("https://127.0.0.1:"
                + deadPort + "/dir")).agreeToTermsOfService().domain("new.test")
                .challenges(new InMemoryTlsAlpn01Responder()).storageDirectory(storage).build();
        var https = JettyHttps.builder(manager).host("127.0.0.1").httpsPort(0).install(server, new App());
        server.start();
        manager.start();

        var trustAll = TlsClient.trusting(manager.certificate("new.test").orElseThrow().leaf());
        try (var client = TlsClient.connect(trustAll, https.httpsConnector().getLocalPort(), "new.test")) {
            assertThat(client.leaf().getSubjectX500Principal().getName()).contains("certpilot bootstrap");
            assertThat(client.get("new.test", "/")).isEqualTo("app /");
        }
    }

    @Test
    void anRsaOnlyClientIsServedTheBootstrapCertificateOfAnRsaManager() throws Exception {
        int deadPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = socket.getLocalPort();
        }
        manager = CertificateManager.builder().certificateAuthority(CertificateAuthority.of("https://127.0.0.1:"
                + deadPort + "/dir")).agreeToTermsOfService().domain("rsa.test").keyType(KeyType.RSA_2048)
                .challenges(new InMemoryTlsAlpn01Responder()).storageDirectory(storage).build();
        var https = JettyHttps.builder(manager).host("127.0.0.1").httpsPort(0).install(server, new App());
        server.start();
        manager.start();

        var bootstrap = manager.certificate("rsa.test").orElseThrow();
        assertThat(bootstrap.privateKey().getAlgorithm()).isEqualTo("RSA");
        try (var client = TlsClient.connect(TlsClient.trusting(bootstrap.leaf()), https.httpsConnector().getLocalPort(),
                "rsa.test", socket -> {
                    socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                    socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
                })) {
            assertThat(client.leaf().getSerialNumber()).isEqualTo(bootstrap.serialNumber());
            assertThat(client.get("rsa.test", "/")).isEqualTo("app /");
        }
    }

    @Test
    void manyClientsDoingFreshHandshakesDuringRepeatedRenewalsSeeNoFailure(Pebble pebble) throws Exception {
        serveWithTlsAlpn(pebble, manager(pebble).domain("busy.test"));
        var trust = trust(pebble);

        var running = new AtomicBoolean(true);
        var successes = new AtomicInteger();
        var failures = new ConcurrentHashMap<String, Integer>();
        Set<BigInteger> serials = ConcurrentHashMap.newKeySet();
        var clients = new ArrayList<Thread>();
        var ready = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            var thread = new Thread(() -> {
                ready.countDown();
                while (running.get()) {
                    try (var client = TlsClient.connect(trust, pebble.tlsPort(), "busy.test")) {
                        serials.add(client.leaf().getSerialNumber());
                        if (client.get("busy.test", "/load").equals("app /load")) {
                            successes.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.merge(e.toString(), 1, Integer::sum);
                    }
                }
            });
            thread.start();
            clients.add(thread);
        }
        ready.await();
        var renewals = 10;
        for (int i = 0; i < renewals; i++) {
            manager.renewNow("busy.test");
        }
        running.set(false);
        for (var thread : clients) {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        }

        System.out.printf("%d handshakes and requests during %d renewals, %d serials seen, failures %s%n",
                successes.get(), renewals, serials.size(), failures);
        assertThat(failures).as("failed handshakes or requests").isEmpty();
        assertThat(successes.get()).isGreaterThan(renewals * 8);
        assertThat(serials).as("clients saw the renewals").hasSizeGreaterThan(renewals / 2);
    }

    @Test
    void theDefaultsAllowOnlyTls12And13WithForwardSecretAeadSuites(Pebble pebble) throws Exception {
        var https = serveWithTlsAlpn(pebble, manager(pebble).domain("strict.test"));
        var factory = https.sslContextFactory();

        assertThat(factory.getSelectedProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(factory.getSelectedCipherSuites()).isNotEmpty().allSatisfy(suite -> assertThat(
                suite.matches("TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)")
                        || suite.matches("TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)"))
                .as(suite).isTrue());
        assertThat(factory.isRenegotiationAllowed()).isFalse();

        try (var tls12 = connectWith(pebble, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
            assertThat(tls12.socket().getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
        assertThatThrownBy(() -> connectWith(pebble, "TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256").close())
                .as("no forward secrecy").isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> connectWith(pebble, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256").close())
                .as("not AEAD").isInstanceOf(SSLHandshakeException.class);
    }

    private TlsClient connectWith(Pebble pebble, String protocol, String suite) throws Exception {
        return TlsClient.connect(trust(pebble), pebble.tlsPort(), "strict.test", socket -> {
            socket.setEnabledProtocols(new String[] {protocol});
            socket.setEnabledCipherSuites(new String[] {suite});
        });
    }
}
