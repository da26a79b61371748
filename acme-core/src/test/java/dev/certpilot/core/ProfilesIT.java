package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * ACME profiles against Pebble 2.4, which advertises none: asking for one fails the order, naming the profile and
 * what the CA offers; asking for none orders as before. (A CA that advertises profiles is not at hand here: the
 * accepted path, {@code newOrder().profile(...)}, is acme4j's.)
 */
class ProfilesIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.nonceRejectPercent(0));

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    @TempDir
    Path storage;

    private CertificateManagerBuilder builder(CertificateAuthority ca) {
        return CertificateManager.builder().certificateAuthority(ca).agreeToTermsOfService()
                .storageDirectory(storage).challenges(httpServer.responder())
                .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1));
    }

    private static CertificateAuthority pebble(Pebble pebble) {
        return CertificateAuthority.of(pebble.directory().toString()).withTrustedCertificates(pebble.listenerCa());
    }

    @Test
    void aProfileTheCaDoesNotOfferFailsTheOrderWithWhatItOffers(Pebble pebble) throws Exception {
        try (var manager = builder(pebble(pebble))
                .certificate(new ManagedCertificate("short", java.util.List.of("short.test")).withProfile("shortlived"))
                .build()) {
            manager.start();
            assertThatThrownBy(() -> manager.renewNow("short")).isInstanceOf(CertpilotException.class)
                    .hasMessageContaining("Certificate short asks for profile 'shortlived'")
                    .hasMessageContaining("it offers no profiles. Leave the profile out");
            assertThat(pebble.log()).doesNotContain("/order-plz");
        }
    }

    @Test
    void theCasProfileAppliesToItsCertificatesAndNoProfileOrdersAsBefore(Pebble pebble) throws Exception {
        try (var manager = builder(pebble(pebble).withProfile("tlsserver")).domain("server.test").build()) {
            manager.start();
            assertThatThrownBy(() -> manager.renewNow("server.test")).hasMessageContaining("profile 'tlsserver'");
        }
        try (var manager = builder(pebble(pebble)).domain("plain.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            assertThat(manager.certificate("plain.test").orElseThrow().isSelfSigned()).isFalse();
        }
    }

    @Test
    void aMalformedProfileNameIsRefusedAtOnce() {
        assertThatThrownBy(() -> CertificateAuthority.LETS_ENCRYPT.withProfile("short lived"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("profile 'short lived'");
        assertThat(CertificateAuthority.LETS_ENCRYPT.withProfile("shortlived").profile()).isEqualTo("shortlived");
        assertThat(CertificateAuthority.LETS_ENCRYPT.withProfile("shortlived").withExternalAccountBinding("kid",
                "aGVsbG8td29ybGQtaGVsbG8").profile()).as("kept by the other withers").isEqualTo("shortlived");
    }
}
