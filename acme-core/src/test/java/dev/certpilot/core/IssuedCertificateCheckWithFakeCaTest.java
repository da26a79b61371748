package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.tls.SelfSigned;

/**
 * What a faulty CA (or a wrong directory URL) returns is checked before it is stored or served, with a CA at the
 * issuer boundary that returns what a real one would not on demand: a certificate for other names, a self-signed one,
 * a chain whose second certificate did not sign the first. Each is refused with the reason in the failure event and
 * the status, and the bootstrap certificate stays served: health does not say UP for it.
 */
class IssuedCertificateCheckWithFakeCaTest {

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();
    private final FakeCaCertificates rogue = new FakeCaCertificates("rogue");

    private void assertRefused(FakeIssuer issuer, String reason) throws Exception {
        try (var manager = FakeCaManagers.builder(storage, clock, events, issuer).domain("shop.test").build()) {
            manager.start();
            assertThatThrownBy(() -> manager.awaitCertificates(Duration.ofSeconds(10)))
                    .isInstanceOf(AcmeServerException.class).hasMessageContaining("returned a certificate that is not "
                            + "served").hasMessageContaining(reason);
            var failed = events.await(CertificateEvent.Failed.class, 1, Duration.ofSeconds(5));
            assertThat(failed.cause()).hasMessageContaining(reason);
            assertThat(manager.certificate("shop.test")).hasValueSatisfying(b -> assertThat(b.isSelfSigned())
                    .as("the bootstrap certificate, not the CA's").isTrue());
            assertThat(manager.status().get(0).bootstrap()).isTrue();
            assertThat(manager.status().get(0).lastError()).contains(reason);
            assertThat(new FileCertificateStore(storage).load("shop.test")).as("nothing stored").isEmpty();
            assertThat(events.of(CertificateEvent.Obtained.class)).isEmpty();
        }
    }

    @Test
    void aCertificateForOtherNamesIsNotServed() throws Exception {
        assertRefused(new FakeIssuer(FakeCaManagers.CA, clock).returning((certificate, key) -> rogue.issue(
                List.of("evil.attacker.test"), key.getPublic(), Instant.now(), Duration.ofDays(90))),
                "does not name [shop.test] but [evil.attacker.test]");
    }

    @Test
    void aSelfSignedCertificateIsNotServed() throws Exception {
        assertRefused(new FakeIssuer(FakeCaManagers.CA, clock).returning((certificate, key) -> SelfSigned.bundle(
                certificate.name(), key, Instant.now(), Duration.ofDays(90), "shop.test").chain()),
                "is self-signed, not issued by a CA");
    }

    @Test
    void aChainWhoseIssuerDidNotSignTheLeafIsNotServed() throws Exception {
        var other = new FakeCaCertificates("rogue"); // the same name, another key
        assertRefused(new FakeIssuer(FakeCaManagers.CA, clock).returning((certificate, key) -> List.of(
                rogue.issue(List.of("shop.test"), key.getPublic(), Instant.now(), Duration.ofDays(90)).get(0),
                other.issue(List.of("x.test"), key.getPublic(), Instant.now(), Duration.ofDays(1)).get(1))),
                "the chain is broken");
    }

    @Test
    void aCertificateForTheOrderedNamesFromTheCaIsServed() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock);
        try (var manager = FakeCaManagers.builder(storage, clock, events, issuer).domain("shop.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(10));
            assertThat(manager.status().get(0).bootstrap()).isFalse();
        }
    }
}
