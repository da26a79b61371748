package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.spi.DnsPersist01Responder;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * dns-persist-01 against Pebble 2.4, which does not offer it: what can be shown is that the manager says so clearly,
 * both when asked for the records to set and when an order finds no challenge it may answer, and that it falls back
 * to the next responder. The records themselves are checked against the draft's worked examples in
 * {@code PersistentRecordsTest}; a validation by a CA that offers dns-persist-01 is not run here.
 */
class DnsPersistIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.nonceRejectPercent(0)
            .authorizationReusePercent(0));

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    @TempDir
    Path storage;

    private CertificateManagerBuilder builder(Pebble pebble) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService().storageDirectory(storage)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1));
    }

    @Test
    void aCaThatDoesNotAdvertiseItIsNamedWhenAskedForTheRecords(Pebble pebble) {
        try (var manager = builder(pebble).certificate("wild", "*.persist.test", "persist.test")
                .challenges(DnsPersist01Responder.create()).build()) {
            manager.start();
            assertThatThrownBy(manager::persistentDnsRecords).isInstanceOf(CertpilotException.class)
                    .hasMessageContaining("does not advertise dns-persist-01 (its directory lists no "
                            + "issuerDomainNames)");
        }
        try (var manager = builder(pebble).domain("plain.test").challenges(httpServer.responder()).build()) {
            assertThatThrownBy(manager::persistentDnsRecords).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("add DnsPersist01Responder.create()");
        }
    }

    @Test
    void anOrderWhoseCaOffersNoPersistentChallengeFailsSayingWhatItOffers(Pebble pebble) {
        try (var manager = builder(pebble).domain("persist.test").challenges(DnsPersist01Responder.create())
                .build()) {
            manager.start();
            assertThatThrownBy(() -> manager.renewNow("persist.test")).isInstanceOf(ChallengeFailedException.class)
                    .hasMessageContaining("persist.test")
                    .hasMessageContaining("no enabled challenge type suits this name among those the CA offers")
                    .hasMessageContaining("http-01");
        }
    }

    @Test
    void theNextResponderValidatesWhenTheCaOffersNoPersistentChallenge(Pebble pebble) throws Exception {
        try (var manager = builder(pebble).domain("fallback.test")
                .challenges(DnsPersist01Responder.create(), httpServer.responder()).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            assertThat(manager.certificate("fallback.test").orElseThrow().isSelfSigned()).isFalse();
        }
    }
}
