package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateStatus;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * Health while only the bootstrap certificate is served, with a clock that jumps past the grace period (a CA that
 * is never reached, at a closed port).
 */
class CertificateHealthTest {

    @TempDir
    Path storage;

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-23T10:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void holdsTrafficBackDuringTheGracePeriodThenReportsDownWithTheReason() {
        var properties = new CertpilotProperties();
        properties.getHealth().setBootstrapGrace(Duration.ofMinutes(2));
        var clock = new MovingClock();
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:1/directory"))
                .agreeToTermsOfService().certificate("shop", "shop.example.test")
                .challenges(new InMemoryHttp01Responder()).storageDirectory(storage).build()) {
            manager.prepare();
            var health = new CertificateHealth(manager, properties, clock);

            var waiting = health.report();
            assertThat(waiting.status()).as("a readiness group waits").isEqualTo("OUT_OF_SERVICE");
            assertThat(details(waiting, "shop")).containsEntry("bootstrap", true)
                    .containsEntry("reason", "waiting for the CA's first certificate");

            clock.now = clock.now.plus(Duration.ofMinutes(3));
            var down = health.report();
            assertThat(down.status()).isEqualTo("DOWN");
            assertThat((String) details(down, "shop").get("reason"))
                    .startsWith("still serving the self-signed bootstrap certificate after PT2M");
        }
    }

    @Test
    void isDownWhenACertificateExpiredOrRenewalKeepsFailingNearExpiry() {
        var properties = new CertpilotProperties();
        var clock = new MovingClock();
        var now = clock.instant();
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:1/directory"))
                .agreeToTermsOfService().certificate("shop", "shop.example.test")
                .challenges(new InMemoryHttp01Responder()).storageDirectory(storage).build()) {
            var health = new CertificateHealth(manager, properties, clock);
            var fine = new CertificateStatus("fine", List.of("fine.test"), BigInteger.ONE,
                    now.plus(Duration.ofDays(60)), false, now.plusSeconds(3600), 0, null);
            var failingEarly = new CertificateStatus("early", List.of("early.test"), BigInteger.TWO,
                    now.plus(Duration.ofDays(20)), false, now.plusSeconds(60), 3, "rateLimited");
            assertThat(health.report(List.of(fine, failingEarly)).status())
                    .as("failures with weeks left are for the logs and events, not health").isEqualTo("UP");

            var failingLate = new CertificateStatus("late", List.of("late.test"), BigInteger.TEN,
                    now.plus(Duration.ofDays(5)), false, now.plusSeconds(60), 9, "connection refused");
            var report = health.report(List.of(fine, failingLate));
            assertThat(report.status()).isEqualTo("DOWN");
            assertThat((String) details(report, "late").get("reason"))
                    .contains("renewal has failed 9 times").contains("connection refused");
            assertThat(details(report, "fine")).containsEntry("status", "UP").containsEntry("serial", "01");

            var expired = new CertificateStatus("gone", List.of("gone.test"), BigInteger.TWO,
                    now.minusSeconds(1), false, now.plusSeconds(60), 0, null);
            assertThat((String) details(health.report(List.of(expired)), "gone").get("reason"))
                    .startsWith("the served certificate expired at");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(CertificateHealth.Report report, String name) {
        return (Map<String, Object>) report.details().get(name);
    }
}
