package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * Short-lived certificates over several cycles: Pebble issues certificates of 20 seconds, and a prober makes real
 * TLS handshakes four times a second for 50 seconds. Every certificate it is served is valid at that moment, and
 * renewals follow one another without a lapse.
 */
class ShortLivedIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(20)).nonceRejectPercent(0));

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
    void neverServesAnExpiredCertificateOverSeveralRenewals() throws Exception {
        var pebble = PEBBLE.pebble();
        var http01 = new InMemoryHttp01Responder();
        var renewals = new AtomicInteger();
        manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService().domain("short.test").challenges(http01).storageDirectory(storage)
                .listener(event -> {
                    if (event instanceof CertificateEvent.Renewed) {
                        renewals.incrementAndGet();
                    }
                })
                .build();
        var https = JettyHttps.builder(manager).http01(http01).host("127.0.0.1").httpPort(pebble.httpPort())
                .httpsPort(0).install(server, new App());
        server.start();
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(30));

        var trust = TlsClient.trusting(pebble.root());
        var port = https.httpsConnector().getLocalPort();
        var serials = new HashSet<BigInteger>();
        var probes = 0;
        // until three renewals were served (one every 9 to 10 s), at most 60 s
        var end = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(end) && (renewals.get() < 3 || serials.size() < 4)) {
            try (var client = TlsClient.connect(trust, port, "short.test")) {
                var leaf = client.leaf();
                var now = Instant.now();
                assertThat(leaf.getNotAfter().toInstant()).as("served at %s", now).isAfter(now);
                serials.add(leaf.getSerialNumber());
            }
            probes++;
            Thread.sleep(250);
        }
        assertThat(probes).isGreaterThan(60);
        assertThat(renewals.get()).as("a renewal every cycle").isGreaterThanOrEqualTo(3);
        assertThat(serials).as("each renewal served").hasSizeGreaterThanOrEqualTo(4);
        assertThat(manager.status().get(0).failedAttempts()).isZero();
    }
}
