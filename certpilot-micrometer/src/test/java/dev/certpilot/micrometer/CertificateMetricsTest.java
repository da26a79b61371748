package dev.certpilot.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.Notice;
import dev.certpilot.core.Notifications;
import dev.certpilot.test.Http01Server;
import dev.certpilot.test.PebbleExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The meters of a manager that obtains, renews and fails to renew against a real Pebble. */
class CertificateMetricsTest {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.nonceRejectPercent(0)
            .authorizationReusePercent(0));

    @TempDir
    Path storage;

    private final InMemoryHttp01Responder http01 = new InMemoryHttp01Responder();
    private final BlockingQueue<Notice> notices = new LinkedBlockingQueue<>();
    private Http01Server challenges;

    @BeforeEach
    void answerChallenges() {
        challenges = Http01Server.start(PEBBLE.pebble().httpPort(), http01::keyAuthorization);
    }

    @AfterEach
    void stop() {
        challenges.close();
    }

    @Test
    void countsOrdersByResultTimesThemAndReportsTheTimeLeft() throws Exception {
        var registry = new SimpleMeterRegistry();
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(PEBBLE.pebble().directory().toString())
                        .withTrustedCertificates(PEBBLE.pebble().listenerCaFile()))
                .agreeToTermsOfService()
                .certificate("shop", "shop.metrics.test")
                .challenges(http01)
                .storageDirectory(storage)
                .notifications(Notifications.builder(notices::add).onIssuance().build())
                .build()) {
            new CertificateMetrics(manager).bindTo(registry);
            assertThat(registry.find(CertificateMetrics.EXPIRY).gauges())
                    .as("no gauge while the bootstrap certificate is served").isEmpty();

            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(60));
            var issued = manager.certificate("shop").orElseThrow();
            assertThat(registry.get(CertificateMetrics.ORDERS).tag("result", "obtained").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get(CertificateMetrics.ORDER_DURATION).tag("result", "obtained").timer().count())
                    .isEqualTo(1);
            assertThat(notices.poll(10, TimeUnit.SECONDS)).as("the issuance, told").isNotNull();
            var sent = registry.get(CertificateMetrics.NOTIFICATIONS).tag("result", "sent").functionCounter();
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sent.count() < 1 && System.nanoTime() < deadline) {
                Thread.yield(); // the count follows the notifier's return
            }
            assertThat(sent.count()).isEqualTo(1);
            assertThat(registry.get(CertificateMetrics.NOTIFICATIONS).tag("result", "failed").functionCounter()
                    .count()).isZero();
            var expiry = registry.get(CertificateMetrics.EXPIRY).tag("certificate", "shop").gauge();
            var expected = Duration.between(java.time.Instant.now(), issued.notAfter()).toSeconds();
            assertThat(expiry.value()).isCloseTo(expected, within(5.0));

            var renewed = manager.renewNow("shop");
            assertThat(registry.get(CertificateMetrics.ORDERS).tag("result", "renewed").counter().count())
                    .isEqualTo(1);
            assertThat(expiry.value()).isCloseTo(
                    Duration.between(java.time.Instant.now(), renewed.notAfter()).toSeconds(), within(5.0));

            challenges.close();
            // Pebble 2.4 reuses a valid authorization once in a hundred orders even with PEBBLE_AUTHZREUSE=0 (its
            // test is rand.Intn(100) > percent): such a renewal needs no challenge and succeeds, so try until one
            // fails, three times at most
            CertpilotException failure = null;
            for (int attempt = 0; attempt < 3 && failure == null; attempt++) {
                try {
                    manager.renewNow("shop");
                } catch (CertpilotException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("no one answers the challenge").isNotNull();
            assertThat(registry.get(CertificateMetrics.ORDERS).tag("result", "failed").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get(CertificateMetrics.RENEWAL_FAILURES).tag("certificate", "shop").counter()
                    .count()).isEqualTo(1);

            manager.unmanage("shop");
            assertThat(registry.find(CertificateMetrics.EXPIRY).gauges()).as("gone with the certificate").isEmpty();
        }
    }

    @Test
    void refusesASecondRegistry() throws Exception {
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(PEBBLE.pebble().directory().toString())
                        .withTrustedCertificates(PEBBLE.pebble().listenerCaFile()))
                .agreeToTermsOfService().certificate("a", "a.metrics.test").challenges(http01)
                .storageDirectory(storage).build()) {
            var metrics = new CertificateMetrics(manager);
            metrics.bindTo(new SimpleMeterRegistry());
            assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("CompositeMeterRegistry");
        }
    }
}
