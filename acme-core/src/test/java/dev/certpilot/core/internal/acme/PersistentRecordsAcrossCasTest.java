package dev.certpilot.core.internal.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.PersistentDnsRecord;
import dev.certpilot.core.RevocationReason;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.DnsPersist01Responder;

/**
 * With a fallback CA, the records to set are those of every CA that offers dns-persist-01, so that a failover finds
 * them in DNS already; a CA without it is left out, and only when none offers it is that an error. (A CA standing in
 * for each answer: Pebble 2.4 offers no dns-persist-01.)
 */
class PersistentRecordsAcrossCasTest {

    private static final List<ChallengeResponder> RESPONDERS = List.of(DnsPersist01Responder.create());

    @Test
    void theRecordsOfEveryCaThatOffersItInOrderAndNoneForOneThatDoesNot() {
        var first = new StandingIn("https://first.test/dir", new PersistentDnsRecord("_validation-persist.a.test.",
                "first.test; accounturi=https://first.test/acct/1", "draft-ietf-acme-dns-persist-02"));
        var without = new StandingIn("https://without.test/dir", null);
        var fallback = new StandingIn("https://fallback.test/dir", new PersistentDnsRecord(
                "_validation-persist.a.test.", "fallback.test; accounturi=https://fallback.test/acct/9",
                "draft-ietf-acme-dns-persist-01"));

        assertThat(PersistentRecords.of(List.of(first, without, fallback), RESPONDERS, List.of("a.test")))
                .containsExactly(first.record, fallback.record);
        assertThatThrownBy(() -> PersistentRecords.of(List.of(without), RESPONDERS, List.of("a.test")))
                .isInstanceOf(CertpilotException.class).hasMessageContaining("without.test");
    }

    /** A CA that offers dns-persist-01 with one record, or, without one, does not offer it. */
    private record StandingIn(String directory, PersistentDnsRecord record) implements Issuer {

        @Override
        public CertificateAuthority ca() {
            return CertificateAuthority.of(directory);
        }

        @Override
        public List<PersistentDnsRecord> persistentDnsRecords(List<String> domains, DnsPersist01Responder settings) {
            if (record == null) {
                throw new PersistentRecords.NotAdvertised("The CA " + directory + " does not advertise it");
            }
            return List.of(record);
        }

        @Override
        public List<X509Certificate> issue(ManagedCertificate certificate, KeyPair domainKey,
                                           List<ChallengeResponder> responders, Duration timeout,
                                           X509Certificate replacing) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<SuggestedWindow> suggestedWindow(X509Certificate certificate) {
            return Optional.empty();
        }

        @Override
        public void revoke(X509Certificate certificate, RevocationReason reason) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void rollOverAccountKey() {
            throw new UnsupportedOperationException();
        }
    }
}
