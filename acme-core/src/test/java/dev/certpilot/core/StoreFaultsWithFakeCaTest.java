package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.LeaseLostException;

/**
 * What a store that fails does to renewals, with a fake disk (one that is full, one whose lease a frozen instance lost
 * to another) and a CA at the issuer boundary, since neither fails on demand for real.
 */
class StoreFaultsWithFakeCaTest {

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();
    private final FakeIssuer issuer = new FakeIssuer(FakeCaManagers.CA, clock);

    @Test
    void aFullDiskBacksOffAndStopsNewOnDemandNamesUntilItSavesAgain() throws Exception {
        var disk = new FileCertificateStore(storage);
        var full = new AtomicBoolean(true);
        var store = new ForwardingStore(disk) {
            @Override
            public void save(CertificateBundle bundle, Lease lease) throws IOException {
                if (full.get()) {
                    throw new IOException("No space left on device");
                }
                super.save(bundle, lease);
            }
        };
        try (var manager = FakeCaManagers.builder(storage, clock, events, issuer).store(store)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofHours(6)) // production's
                .domain("shop.test").onDemand(OnDemandTls.allowedBy(OnDemandDecision.suffixes(".shop.test")))
                .build();
             var server = new KeyManagerServer(manager)) {
            manager.start();
            var failed = events.await(CertificateEvent.Failed.class, 1, Duration.ofSeconds(5));
            assertThat(failed.cause()).isInstanceOf(StorageException.class);
            assertThat(Duration.between(failed.time(), failed.nextAttempt())).as("the first retry")
                    .isBetween(Duration.ofSeconds(10), Duration.ofSeconds(11));

            assertThat(server.handshake("new.shop.test")).as("no new name while nothing can be saved")
                    .hasValueSatisfying(leaf -> assertThat(leaf.getSubjectX500Principal().getName())
                            .doesNotContain("new.shop.test"));
            assertThat(issuer.calls()).as("only the managed name was ordered").hasSize(1);

            full.set(false);
            manager.renewNow("shop.test"); // a forced order stores at once
            assertThat(disk.load("shop.test")).isPresent();
        }
    }

    @Test
    void aSaveRefusedForALostLeaseKeepsWhatTheTakeoverStoredWhenItIsAsNew() throws Exception {
        var disk = new FileCertificateStore(storage);
        var takeover = new FakeCaCertificates("takeover");
        var store = new ForwardingStore(disk) {
            @Override
            public void save(CertificateBundle bundle, Lease lease) throws IOException {
                // while this instance was frozen, its lease ended, and another took it over and stored its own,
                // expiring alike
                lease.close();
                var keys = KeyType.EC_P256.generate();
                var chain = takeover.issue(List.of("shop.test"), keys.getPublic(), bundle.notBefore(),
                        Duration.between(bundle.notBefore(), bundle.notAfter()));
                disk.save(new CertificateBundle(bundle.name(), bundle.domains(), chain, keys.getPrivate()));
                throw new LeaseLostException("The lease of certificate shop.test ended at " + Instant.now());
            }
        };
        try (var manager = FakeCaManagers.builder(storage, clock, events, issuer).store(store).domain("shop.test")
                .build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));

            var stored = disk.load("shop.test").orElseThrow();
            assertThat(stored.leaf().getIssuerX500Principal().getName()).as("the takeover's stays stored")
                    .contains("takeover");
            assertThat(manager.certificate("shop.test").orElseThrow().serialNumber()).as("and is the one served")
                    .isEqualTo(stored.serialNumber());
            TimeUnit.MILLISECONDS.sleep(300); // a few checks of the fake-CA managers' 100 ms interval
            assertThat(disk.load("shop.test").orElseThrow().serialNumber()).as("not replaced by a retried save")
                    .isEqualTo(stored.serialNumber());
            assertThat(events.of(CertificateEvent.Failed.class)).isEmpty();
        }
    }
}
