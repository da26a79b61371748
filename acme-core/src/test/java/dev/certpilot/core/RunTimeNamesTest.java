package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates added and removed while the manager runs, and the bounded cache of parsed certificates, with a CA
 * at the issuer boundary (for a clock that jumps 60 days) and real TLS handshakes against the key manager.
 */
class RunTimeNamesTest {


    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();
    private final FakeIssuer issuer = new FakeIssuer(FakeCaManagers.CA, clock);
    private KeyManagerServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private KeyManagerServer serve(CertificateManager manager) throws Exception {
        server = new KeyManagerServer(manager);
        return server;
    }

    private CertificateManagerBuilder manager() {
        return FakeCaManagers.builder(storage, clock, events, issuer);
    }

    private List<String> ordered() {
        return events.of(CertificateEvent.Obtaining.class).stream().map(CertificateEvent::name).toList();
    }

    @Test
    void certificatesAddedAtRunTimeAreObtainedServedAndListedAfterTheConfiguredOnes() throws Exception {
        try (var manager = manager().domain("first.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));

            manager.manage(ManagedCertificate.of("second.test"), new ManagedCertificate("third", List.of("third.test",
                    "www.third.test")));
            manager.awaitCertificates(Duration.ofSeconds(5));

            assertThat(manager.certificateForHost("www.third.test")).hasValueSatisfying(b -> {
                assertThat(b.name()).isEqualTo("third");
                assertThat(b.isSelfSigned()).as("the fake CA's, not a bootstrap one").isFalse();
            });
            assertThat(manager.status()).extracting(CertificateStatus::name)
                    .containsExactly("first.test", "second.test", "third");
            assertThat(manager.status()).allSatisfy(s -> assertThat(s.bootstrap()).isFalse());
            assertThat(manager.managedCertificates()).extracting(ManagedCertificate::name)
                    .containsExactly("first.test", "second.test", "third");
            assertThat(events.of(CertificateEvent.Obtained.class)).extracting(CertificateEvent::name)
                    .containsExactlyInAnyOrder("first.test", "second.test", "third");

            manager.manage(ManagedCertificate.of("second.test"));
            assertThat(ordered()).as("managing it again with the same domains does nothing").hasSize(3);
        }
    }

    @Test
    void anUnmanagedCertificateIsNeitherServedNorRenewedAndItsStoredCopyIsKeptOrDeletedAsAsked() throws Exception {
        var store = new FileCertificateStore(storage);
        try (var manager = manager().domain("keep.test").domain("drop.test").domain("stay.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));

            assertThat(manager.unmanage("keep.test")).isTrue();
            assertThat(manager.unmanage(List.of("drop.test", "unknown.test"), StoredData.DELETE))
                    .containsExactly("drop.test");
            clock.jump(Duration.ofDays(60)); // every certificate is due now
            events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));
            Thread.sleep(500);

            assertThat(events.of(CertificateEvent.Renewed.class)).extracting(CertificateEvent::name)
                    .containsExactly("stay.test");
            assertThat(manager.certificateForHost("keep.test")).isEmpty();
            assertThat(manager.status()).extracting(CertificateStatus::name).containsExactly("stay.test");
            assertThat(store.load("keep.test")).as("kept").isPresent();
            assertThat(store.load("drop.test")).as("deleted").isEmpty();
            assertThat(manager.unmanage("keep.test")).as("no longer managed").isFalse();
        }
    }

    @Test
    void managingAStoredCertificateAgainServesItWithoutAnOrder() throws Exception {
        try (var manager = manager().domain("shop.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            var served = manager.certificate("shop.test").orElseThrow();
            manager.unmanage("shop.test");

            manager.manage(ManagedCertificate.of("shop.test"));
            manager.awaitCertificates(Duration.ofSeconds(5));

            assertThat(manager.certificate("shop.test").orElseThrow().serialNumber())
                    .isEqualTo(served.serialNumber());
            assertThat(ordered()).hasSize(1);
        }
    }

    @Test
    void conflictingCertificatesAreRefusedNamingTheFixAndNoneOfTheBatchIsAdded() throws Exception {
        try (var manager = manager().certificate("shop", "shop.test", "www.shop.test").build()) {
            manager.start();

            assertThatThrownBy(() -> manager.manage(ManagedCertificate.of("new.test"),
                    ManagedCertificate.of("www.shop.test")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Domain www.shop.test is in certificates 'shop' and 'www.shop.test': list it in one "
                            + "only");
            assertThatThrownBy(() -> manager.manage(new ManagedCertificate("shop", List.of("other.test"))))
                    .hasMessageContaining("is managed for [shop.test, www.shop.test] already; unmanage it first");
            assertThatThrownBy(() -> manager.manage(ManagedCertificate.of("*.wild.test")))
                    .hasMessageContaining("can only be validated by dns-01 or dns-persist-01: add a Dns01Responder");
            assertThat(manager.managedCertificates()).extracting(ManagedCertificate::name).containsExactly("shop");
        }
    }

    @Test
    void aManagerWithNoCertificateStartsAndServesThoseAddedLater() throws Exception {
        try (var manager = manager().build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(1));
            assertThat(manager.status()).isEmpty();
            var tls = serve(manager);
            assertThat(tls.handshake("late.test")).as("nothing to present").isEmpty();

            manager.manage(ManagedCertificate.of("late.test"));
            manager.awaitCertificates(Duration.ofSeconds(5));

            assertThat(tls.handshake("late.test")).hasValueSatisfying(leaf -> assertThat(leaf.getSerialNumber())
                    .isEqualTo(manager.certificate("late.test").orElseThrow().serialNumber()));
        }
    }

    @Test
    void namesComeAndGoWhileHandshakesRunAndEachHandshakeGetsAMatchingCertificateOrTheDefault() throws Exception {
        try (var manager = manager().domain("default.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            var tls = serve(manager);
            var stop = new AtomicBoolean();
            var wrong = new CopyOnWriteArrayList<String>();
            var handshakes = new AtomicInteger();
            var own = new AtomicInteger();
            var clients = Executors.newFixedThreadPool(3);
            var results = new ArrayList<Future<?>>();
            for (int c = 0; c < 3; c++) {
                results.add(clients.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        var host = "n" + (i % 20) + ".test";
                        var leaf = tls.handshake(host).orElseThrow();
                        var names = leaf.getSubjectAlternativeNames().stream().map(n -> n.get(1)).toList();
                        if (names.contains(host)) {
                            own.incrementAndGet();
                        } else if (!names.contains("default.test")) {
                            wrong.add(host + " got " + names);
                        }
                        handshakes.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int round = 0; round < 500 && handshakes.get() < 150; round++) {
                var batch = new ArrayList<ManagedCertificate>();
                for (int i = 0; i < 20; i++) {
                    batch.add(ManagedCertificate.of("n" + i + ".test"));
                }
                manager.manage(batch);
                Thread.sleep(50);
                manager.unmanage(batch.stream().map(ManagedCertificate::name).toList(), StoredData.KEEP);
            }
            stop.set(true);
            for (var result : results) {
                result.get(10, TimeUnit.SECONDS);
            }
            clients.shutdownNow();

            assertThat(wrong).isEmpty();
            assertThat(handshakes.get()).as("handshakes ran throughout").isGreaterThanOrEqualTo(150);
            assertThat(own.get()).as("names added got their own certificate").isPositive();
            assertThat(manager.status()).extracting(CertificateStatus::name).containsExactly("default.test");
        }
    }

    @Test
    void aCacheOfOneCertificateReadsTheOthersFromTheStoreAtTheirHandshakes() throws Exception {
        var loads = new AtomicInteger();
        var store = new ForwardingStore(new FileCertificateStore(storage)) {
            @Override
            public Optional<CertificateBundle> load(String name) throws java.io.IOException {
                loads.incrementAndGet();
                return super.load(name);
            }
        };
        var first = manager().domain("a.test").domain("b.test").domain("c.test").build();
        first.start();
        first.awaitCertificates(Duration.ofSeconds(5));
        var serials = Map.of("a.test", first.certificate("a.test").orElseThrow().serialNumber(),
                "b.test", first.certificate("b.test").orElseThrow().serialNumber(),
                "c.test", first.certificate("c.test").orElseThrow().serialNumber());
        first.close();

        try (var manager = manager().domain("a.test").domain("b.test").domain("c.test").store(store).cacheSize(1)
                .build()) {
            manager.prepare();
            assertThat(loads).as("start-up reads the listing only").hasValue(0);
            var tls = serve(manager);
            for (int round = 0; round < 3; round++) {
                for (var host : List.of("a.test", "b.test", "c.test")) {
                    assertThat(tls.handshake(host)).hasValueSatisfying(leaf -> assertThat(leaf.getSerialNumber())
                            .as(host).isEqualTo(serials.get(host)));
                }
            }
            assertThat(loads.get()).as("each handshake evicted the previous certificate").isGreaterThanOrEqualTo(9);
            assertThat(ordered()).as("nothing ordered after the first manager").hasSize(3);
        }
    }
}
