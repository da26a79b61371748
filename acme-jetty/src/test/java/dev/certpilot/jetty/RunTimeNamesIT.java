package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.StoredData;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * Certificates added to and removed from a running manager, issued by a real Pebble (certificates of 30 seconds, so
 * that renewals come within the test) and served by a real Jetty without a restart.
 */
class RunTimeNamesIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withCertificateValidity(Duration.ofSeconds(30));

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
    void namesAddedAtRunTimeAreIssuedAndServedAndOnceRemovedAreNeitherServedNorRenewed(Pebble pebble)
            throws Exception {
        var events = new CopyOnWriteArrayList<CertificateEvent>();
        manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .storageDirectory(storage)
                .challenges(new InMemoryTlsAlpn01Responder())
                .checkInterval(Duration.ofSeconds(2))
                .listener(events::add)
                .build();
        JettyHttps.builder(manager).host("127.0.0.1").httpsPort(pebble.tlsPort()).install(server, new App());
        server.start();
        manager.start();
        var trust = TlsClient.trusting(pebble.root());

        manager.manage(ManagedCertificate.of("kept.test"), ManagedCertificate.of("removed.test"));
        manager.awaitCertificates(Duration.ofSeconds(30));

        var kept = manager.certificate("kept.test").orElseThrow();
        for (var host : List.of("kept.test", "removed.test")) {
            try (var client = TlsClient.connect(trust, pebble.tlsPort(), host)) {
                assertThat(client.leaf().getSerialNumber()).as(host)
                        .isEqualTo(manager.certificate(host).orElseThrow().serialNumber());
                assertThat(client.get(host, "/")).isEqualTo("app /");
            }
        }

        assertThat(manager.unmanage(List.of("removed.test"), StoredData.KEEP)).containsExactly("removed.test");
        assertThatThrownBy(() -> TlsClient.connect(trust, pebble.tlsPort(), "removed.test"))
                .as("the default certificate, for kept.test, does not verify for removed.test")
                .isInstanceOf(SSLException.class);

        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (events.stream().noneMatch(e -> e instanceof CertificateEvent.Renewed r && r.name().equals("kept.test"))
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        try (var client = TlsClient.connect(trust, pebble.tlsPort(), "kept.test")) {
            assertThat(client.leaf().getSerialNumber()).as("renewed and served without a restart")
                    .isNotEqualTo(kept.serialNumber())
                    .isEqualTo(manager.certificate("kept.test").orElseThrow().serialNumber());
        }
        assertThat(events.stream().filter(e -> e instanceof CertificateEvent.Obtaining o
                && o.name().equals("removed.test")).count()).as("ordered once, never renewed").isEqualTo(1);
    }
}
