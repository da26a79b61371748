package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On-demand TLS with a CA at the issuer boundary, for what Pebble cannot do on demand: a clock that jumps 60 days,
 * an order held open, a CA that fails; handshakes are real, against the managers' key managers.
 */
class OnDemandTest {


    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();
    private final FakeIssuer issuer = new FakeIssuer(FakeCaManagers.CA, clock);
    private final java.util.Deque<AutoCloseable> closing = new java.util.ArrayDeque<>();

    @AfterEach
    void stop() throws Exception {
        for (var resource : closing) { // the last opened first
            resource.close();
        }
    }

    private CertificateManagerBuilder manager(OnDemandTls onDemand) {
        return FakeCaManagers.builder(storage, clock, events, issuer).onDemand(onDemand);
    }

    private KeyManagerServer started(CertificateManager manager) throws Exception {
        closing.push(manager);
        manager.start();
        var server = new KeyManagerServer(manager);
        closing.push(server);
        return server;
    }

    @Test
    void twoInstancesSharingAStoreOrderANewNameOnceWhicheverSawTheFirstHandshakes() throws Exception {
        var onDemand = OnDemandTls.allowedBy(OnDemandDecision.suffixes(".shop.test"));
        var first = started(manager(onDemand).build());
        var second = started(manager(onDemand).build());
        issuer.onIssue(() -> Thread.sleep(300)); // both instances see handshakes while the order runs
        var pool = Executors.newFixedThreadPool(20);
        closing.push(pool::shutdownNow);
        var serials = new ArrayList<Future<BigInteger>>();
        for (int i = 0; i < 20; i++) {
            var server = i % 2 == 0 ? first : second;
            serials.add(pool.submit(() -> server.handshake("x.shop.test").orElseThrow().getSerialNumber()));
        }
        var seen = new java.util.HashSet<BigInteger>();
        for (var serial : serials) {
            seen.add(serial.get(30, TimeUnit.SECONDS));
        }

        assertThat(issuer.calls()).as("one order for the fleet").hasSize(1);
        assertThat(seen).as("every handshake on both got the one certificate").hasSize(1);
    }

    @Test
    void handshakesForOtherNamesDoNotWaitWhileAnOrderRuns() throws Exception {
        var release = new CountDownLatch(1);
        var manager = manager(OnDemandTls.allowedBy(OnDemandDecision.suffixes(".shop.test"))).domain("static.test")
                .build();
        var tls = started(manager);
        manager.awaitCertificates(Duration.ofSeconds(5));
        issuer.onIssue(() -> release.await(20, TimeUnit.SECONDS));
        var pool = Executors.newSingleThreadExecutor();
        closing.push(pool::shutdownNow);
        var slow = pool.submit(() -> tls.handshake("slow.shop.test"));
        Thread.sleep(300);

        var started = System.nanoTime();
        assertThat(tls.handshake("static.test")).isPresent();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(slow).as("the on-demand handshake still waits for its order").isNotDone();

        release.countDown();
        assertThat(slow.get(10, TimeUnit.SECONDS)).hasValueSatisfying(leaf -> assertThat(leaf.getSerialNumber())
                .isEqualTo(manager.certificate("slow.shop.test").orElseThrow().serialNumber()));
    }

    @Test
    void aCertificateObtainedOnDemandIsServedAfterARestartRenewedAndDroppedWhenTheDecisionNoLongerAllowsIt()
            throws Exception {
        var allowed = new AtomicBoolean(true);
        var onDemand = OnDemandTls.allowedBy(name -> allowed.get() && name.endsWith(".shop.test"));
        var first = manager(onDemand).build();
        var tls = started(first);
        var obtained = tls.handshake("a.shop.test").orElseThrow();
        tls.close();
        first.close();
        assertThat(issuer.calls()).hasSize(1);

        var restarted = manager(onDemand).build();
        var again = started(restarted);
        assertThat(restarted.status()).extracting(CertificateStatus::name).as("adopted from the store at start")
                .containsExactly("a.shop.test");
        assertThat(again.handshake("a.shop.test")).hasValueSatisfying(leaf ->
                assertThat(leaf.getSerialNumber()).isEqualTo(obtained.getSerialNumber()));
        assertThat(issuer.calls()).as("no order after the restart").hasSize(1);

        clock.jump(Duration.ofDays(60));
        var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));
        assertThat(renewed.name()).isEqualTo("a.shop.test");

        allowed.set(false);
        clock.jump(Duration.ofDays(60));
        var unmanaged = events.await(CertificateEvent.Unmanaged.class, 1, Duration.ofSeconds(5));
        assertThat(unmanaged.reason()).isEqualTo("on-demand decision denies it");
        assertThat(unmanaged.deleted()).isFalse();
        assertThat(events.of(CertificateEvent.Renewed.class)).hasSize(1);
        assertThat(restarted.managedCertificates()).isEmpty();
        assertThat(new FileCertificateStore(storage).load("a.shop.test")).as("kept in the store").isPresent();
    }

    @Test
    void aCertificateObtainedOnDemandWhoseStoredEntryIsCorruptedIsObtainedAgainWhileTheHandshakeWaits()
            throws Exception {
        var onDemand = OnDemandTls.allowedBy(OnDemandDecision.suffixes(".shop.test"));
        var first = manager(onDemand).build();
        var tls = started(first);
        var obtained = tls.handshake("a.shop.test").orElseThrow();
        tls.close();
        first.close();
        // a bad restore: another valid key in place of the certificate's
        java.nio.file.Files.writeString(storage.resolve("certificates/a.shop.test/privkey.pem"),
                dev.certpilot.core.spi.Pem.privateKey(KeyType.EC_P256.generate().getPrivate()));

        var again = started(manager(onDemand).build());
        var served = again.handshake("a.shop.test").orElseThrow();

        assertThat(covers(java.util.Optional.of(served), "a.shop.test")).isTrue();
        assertThat(served.getIssuerX500Principal()).as("the CA's, not a bootstrap certificate")
                .isNotEqualTo(served.getSubjectX500Principal());
        assertThat(served.getSerialNumber()).isNotEqualTo(obtained.getSerialNumber());
        assertThat(issuer.calls()).as("obtained again once").hasSize(2);
    }

    @Test
    void theBudgetOfNewOrdersIsSharedByInstancesOnOneStoreAndSurvivesARestart() throws Exception {
        var onDemand = OnDemandTls.builder(OnDemandDecision.suffixes(".shop.test")).maxNewOrders(2, Duration.ofDays(1))
                .build();
        var first = manager(onDemand).build();
        var one = started(first);
        var other = started(manager(onDemand).build());

        assertThat(covers(one.handshake("one.shop.test"), "one.shop.test")).isTrue();
        assertThat(covers(other.handshake("two.shop.test"), "two.shop.test")).isTrue();
        assertThat(covers(other.handshake("three.shop.test"), "three.shop.test")).as("the shared budget is spent")
                .isFalse();
        first.close();

        var restarted = started(manager(onDemand).build());
        assertThat(covers(restarted.handshake("four.shop.test"), "four.shop.test")).as("a restart refills nothing")
                .isFalse();
        assertThat(covers(restarted.handshake("one.shop.test"), "one.shop.test")).as("a stored one needs no budget")
                .isTrue();
        assertThat(issuer.calls()).hasSize(2);
    }

    @Test
    void anIpLiteralInSniIsRefusedBeforeTheDecisionIsAsked() throws Exception {
        var asked = new java.util.concurrent.atomic.AtomicInteger();
        var tls = started(manager(OnDemandTls.allowedBy(name -> {
            asked.incrementAndGet();
            return true;
        })).build());

        assertThat(covers(tls.handshake("192.0.2.7"), "192.0.2.7")).isFalse();
        assertThat(asked).as("the decision is never asked about an address").hasValue(0);
        assertThat(issuer.calls()).isEmpty();
    }

    @Test
    void aDecisionThatHangsDuringARenewalHoldsNoRenewalWorker() throws Exception {
        var hang = new CountDownLatch(1);
        var entered = new CountDownLatch(1);
        var renewing = new AtomicBoolean();
        var onDemand = OnDemandTls.allowedBy(name -> {
            if (renewing.get()) {
                entered.countDown();
                hang.await(); // an ask endpoint that never answers, asked again at renewal
            }
            return true;
        });
        var manager = manager(onDemand).concurrentOrders(1).build();
        var tls = started(manager);
        closing.push(hang::countDown);
        assertThat(tls.handshake("a.shop.test")).isPresent();
        clock.jump(Duration.ofDays(30));
        manager.manage(ManagedCertificate.of("static.test")); // 30 days younger than a.shop.test
        events.await(CertificateEvent.Obtained.class, 2, Duration.ofSeconds(5));

        renewing.set(true);
        clock.jump(Duration.ofDays(31)); // a.shop.test is due: its decision now hangs
        assertThat(entered.await(5, TimeUnit.SECONDS)).as("the renewal asked the decision").isTrue();
        clock.jump(Duration.ofDays(30)); // static.test is due: the one renewal worker must not be the one waiting
        var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));

        assertThat(renewed.name()).isEqualTo("static.test");
    }

    /** Whether the handshake presented a certificate for {@code name} (else it failed, or got the default one). */
    private static boolean covers(java.util.Optional<java.security.cert.X509Certificate> leaf, String name)
            throws Exception {
        return leaf.isPresent() && leaf.get().getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1)
                .equals(name));
    }

    @Test
    void theNewOrderLimitAndTheBackOffAfterAFailureRefuseAtOnceWithoutAnOrder() throws Exception {
        var tls = started(manager(OnDemandTls.builder(OnDemandDecision.suffixes(".shop.test"))
                .maxNewOrders(1, Duration.ofHours(1)).build()).build());

        assertThat(covers(tls.handshake("one.shop.test"), "one.shop.test")).isTrue();
        assertThat(covers(tls.handshake("two.shop.test"), "two.shop.test")).as("over the limit of new orders")
                .isFalse();
        assertThat(issuer.calls()).hasSize(1);

        // a store of its own: the budget of new orders is the store's, and the first one spent it
        var failing = started(FakeCaManagers.builder(storage.resolve("elsewhere"), clock, events, issuer)
                .onDemand(OnDemandTls.allowedBy(OnDemandDecision.suffixes(".shop.test"))).build());
        issuer.alwaysFail(true);
        assertThat(covers(failing.handshake("broken.shop.test"), "broken.shop.test")).isFalse();
        var started = System.nanoTime();
        assertThat(covers(failing.handshake("broken.shop.test"), "broken.shop.test")).as("backing off").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(issuer.calls()).as("one failed order, not two").hasSize(2);
        assertThat(events.of(CertificateEvent.Unmanaged.class)).as("nothing was managed or stored for those names, "
                + "so no event (and no log line per name) says it is no longer managed").isEmpty();
        assertThat(new FileCertificateStore(storage).load("two.shop.test")).isEmpty();
    }
}
