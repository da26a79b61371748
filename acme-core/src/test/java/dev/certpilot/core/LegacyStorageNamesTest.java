package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates that certpilot 0.1 stored under a long name shortened with {@code String.hashCode} are still served
 * after the upgrade, without an order; an entry there for other domains (a colliding name) is not. The CA is a fake
 * at the issuer boundary, to count orders.
 */
class LegacyStorageNamesTest {

    private static final String LONG = "customer-" + "a".repeat(50) + ".shop.example";

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final FakeIssuer issuer = new FakeIssuer(FakeCaManagers.CA, clock);

    private static String formerName(String domain) {
        return domain.substring(0, 55) + "-" + String.format("%08x", domain.hashCode());
    }

    @Test
    void aCertificateStoredUnderItsFormerNameIsServedWithoutAnOrder() throws Exception {
        var keys = KeyType.EC_P256.generate();
        var chain = new FakeCaCertificates("former").issue(List.of(LONG), keys.getPublic(), Instant.now(),
                Duration.ofDays(90));
        new FileCertificateStore(storage).save(new CertificateBundle(formerName(LONG), List.of(LONG), chain,
                keys.getPrivate()));

        try (var manager = FakeCaManagers.builder(storage, clock, new EventLog(), issuer).domain(LONG).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(10));
            assertThat(manager.certificateForHost(LONG)).hasValueSatisfying(b -> assertThat(b.serialNumber())
                    .isEqualTo(chain.get(0).getSerialNumber()));
            assertThat(issuer.calls()).as("served from the former name, not ordered").isEmpty();
        }
    }

    @Test
    void anEntryUnderTheFormerNameForOtherDomainsIsNotServed() throws Exception {
        var other = LONG.replace("shop", "evil");
        var keys = KeyType.EC_P256.generate();
        var chain = new FakeCaCertificates("former").issue(List.of(other), keys.getPublic(), Instant.now(),
                Duration.ofDays(90));
        // as if another name's certificate had been stored under the name LONG shortens to
        new FileCertificateStore(storage).save(new CertificateBundle(formerName(LONG), List.of(other), chain,
                keys.getPrivate()));

        try (var manager = FakeCaManagers.builder(storage, clock, new EventLog(), issuer).domain(LONG).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(10));
            assertThat(manager.certificateForHost(LONG)).hasValueSatisfying(b -> assertThat(b.serialNumber())
                    .isNotEqualTo(chain.get(0).getSerialNumber()));
            assertThat(issuer.calls()).as("ordered its own").hasSize(1);
        }
    }
}
