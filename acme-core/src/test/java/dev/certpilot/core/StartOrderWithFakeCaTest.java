package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances that start on a batch of new names begin at different names: each orders the certificates due together
 * in a shuffle of its own (drawn from its random source, a fixed seed here), not in the order they were configured,
 * so that instances sharing a store do not all queue for the same leases. With a CA at the issuer boundary that
 * records the order of the orders; one order at a time, so the order is the queue's.
 */
class StartOrderWithFakeCaTest {

    private static final int NAMES = 30;

    @TempDir
    Path storage;

    private List<String> ordered(long seed, String folder) throws Exception {
        var clock = new MutableClock();
        var order = Collections.synchronizedList(new ArrayList<String>());
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock);
        var recording = new dev.certpilot.core.internal.acme.Issuer() {
            @Override
            public CertificateAuthority ca() {
                return issuer.ca();
            }

            @Override
            public List<java.security.cert.X509Certificate> issue(ManagedCertificate certificate,
                    java.security.KeyPair domainKey, List<dev.certpilot.core.spi.ChallengeResponder> responders,
                    Duration timeout, java.security.cert.X509Certificate replacing) throws InterruptedException {
                order.add(certificate.name());
                return issuer.issue(certificate, domainKey, responders, timeout, replacing);
            }

            @Override
            public java.util.Optional<dev.certpilot.core.internal.acme.SuggestedWindow> suggestedWindow(
                    java.security.cert.X509Certificate certificate) {
                return java.util.Optional.empty();
            }

            @Override
            public void revoke(java.security.cert.X509Certificate certificate, RevocationReason reason) {
            }

            @Override
            public void rollOverAccountKey() {
            }

            @Override
            public List<PersistentDnsRecord> persistentDnsRecords(List<String> domains,
                    dev.certpilot.core.spi.DnsPersist01Responder settings) {
                return List.of();
            }
        };
        var builder = FakeCaManagers.builder(storage.resolve(folder), clock, new EventLog(), recording)
                .concurrentOrders(1);
        builder.random = new Random(seed);
        for (int i = 0; i < NAMES; i++) {
            builder.certificate("n" + i, "n" + i + ".test");
        }
        try (var manager = builder.build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
        }
        return List.copyOf(order);
    }

    @Test
    void eachInstanceOrdersANewBatchInAShuffleOfItsOwn() throws Exception {
        var one = ordered(1, "one");
        var other = ordered(2, "other");
        var configured = new ArrayList<String>();
        for (int i = 0; i < NAMES; i++) {
            configured.add("n" + i);
        }

        assertThat(one).containsExactlyInAnyOrderElementsOf(configured).isNotEqualTo(configured);
        assertThat(other).containsExactlyInAnyOrderElementsOf(configured).isNotEqualTo(configured);
        assertThat(one.subList(0, 5)).as("the first names of two instances").isNotEqualTo(other.subList(0, 5));
        assertThat(ordered(1, "again")).as("the same seed, the same order").isEqualTo(one);
    }
}
