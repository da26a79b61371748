package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.acme.SuggestedWindow;

/**
 * A mass-revocation drill, with a CA at the issuer boundary doing what no test CA does (Pebble 2.4 has no ARI): it
 * announces the revocation of every certificate it issued by moving their renewal windows (ARI) to the past, with an
 * explanation. Every certificate is renewed once, each order inside the window and naming the certificate it
 * replaces (what Let's Encrypt exempts from its rate limits), no more orders at once than the manager allows; the
 * operators are told in a digest, then given the all-clear; the new certificates are not renewed again.
 */
class MassRevocationWithFakeCaTest {

    private static final int CERTIFICATES = 40;
    private static final int CONCURRENT_ORDERS = 4;
    private static final URI INCIDENT = URI.create("https://ca.test/incidents/2027-revocation");

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();

    @Test
    void everyCertificateIsRenewedOnceInsideItsWindowNamingWhatItReplacesAndOperatorsAreToldInADigest()
            throws Exception {
        var revoked = ConcurrentHashMap.<BigInteger>newKeySet();
        var revokedAt = new java.util.concurrent.atomic.AtomicReference<Instant>();
        var inFlight = new AtomicInteger();
        var mostAtOnce = new AtomicInteger();
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock).onIssue(() -> {
            mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Thread.sleep(5);
            inFlight.decrementAndGet();
        }).renewalInfo(leaf -> {
            if (revoked.contains(leaf.getSerialNumber())) {
                var at = revokedAt.get();
                return Optional.of(new SuggestedWindow(at.minus(Duration.ofHours(2)), at.minus(Duration.ofHours(1)),
                        null, INCIDENT));
            }
            var issued = leaf.getNotBefore().toInstant();
            return Optional.of(new SuggestedWindow(issued.plus(Duration.ofDays(60)), issued.plus(Duration.ofDays(62)),
                    null));
        });
        var notices = new CopyOnWriteArrayList<Notice>();
        var builder = FakeCaManagers.builder(storage, clock, events, issuer).concurrentOrders(CONCURRENT_ORDERS)
                .checkInterval(Duration.ofMillis(50))
                .notifications(Notifications.to(notices::add));
        for (int i = 0; i < CERTIFICATES; i++) {
            builder.certificate("site" + i, "site" + i + ".test");
        }
        try (var manager = builder.build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            var first = new HashSet<BigInteger>();
            for (int i = 0; i < CERTIFICATES; i++) {
                first.add(manager.certificate("site" + i).orElseThrow().serialNumber());
            }
            var ordersBefore = issuer.calls().size();
            assertThat(ordersBefore).isEqualTo(CERTIFICATES);

            // the CA revokes everything it issued; the cached windows are asked again within six hours
            revoked.addAll(first);
            revokedAt.set(clock.instant());
            clock.jump(Duration.ofHours(6).plusMinutes(1));

            events.await(CertificateEvent.Renewed.class, CERTIFICATES, Duration.ofSeconds(30));
            awaitNotices(notices, Notice.Kind.RECOVERED, CERTIFICATES);

            var renewals = issuer.calls().subList(ordersBefore, issuer.calls().size());
            assertThat(renewals).as("one order per certificate").hasSize(CERTIFICATES);
            assertThat(renewals).allSatisfy(call -> {
                assertThat(call.replacing()).as("names what it replaces").isNotNull();
                assertThat(first).contains(call.replacing().getSerialNumber());
            });
            assertThat(renewals.stream().map(call -> call.replacing().getSerialNumber()).distinct()).hasSize(
                    CERTIFICATES);
            assertThat(mostAtOnce.get()).as("orders at once").isLessThanOrEqualTo(CONCURRENT_ORDERS);
            for (int i = 0; i < CERTIFICATES; i++) {
                assertThat(first).doesNotContain(manager.certificate("site" + i).orElseThrow().serialNumber());
            }

            var requested = events.of(CertificateEvent.RenewalRequested.class);
            assertThat(requested).hasSize(CERTIFICATES).allSatisfy(event -> {
                assertThat(first).contains(event.serial());
                assertThat(event.windowEnd()).isEqualTo(revokedAt.get().minus(Duration.ofHours(1)));
                assertThat(event.explanation()).isEqualTo(INCIDENT);
            });

            var told = items(notices);
            assertThat(told.stream().filter(n -> n.kind() == Notice.Kind.RENEWAL_REQUESTED)).hasSize(CERTIFICATES)
                    .allSatisfy(notice -> {
                        assertThat(notice.summary()).contains("the CA asked to renew certificate")
                                .contains("The CA explains: " + INCIDENT);
                        assertThat(notice.fix()).startsWith("Nothing: it is being renewed inside the CA's window");
                    });
            assertThat(notices.stream().filter(n -> n.kind() == Notice.Kind.DIGEST)).as("digests were sent")
                    .isNotEmpty();
            assertThat(notices.size()).as("messages sent for %d notices", 2 * CERTIFICATES)
                    .isLessThan(CERTIFICATES);

            // the new certificates are not renewed again, however often they are checked
            var after = issuer.calls().size();
            clock.jump(Duration.ofHours(6).plusMinutes(1));
            Thread.sleep(500);
            assertThat(issuer.calls()).hasSize(after);
            assertThat(events.of(CertificateEvent.RenewalRequested.class)).hasSize(CERTIFICATES);
        }
    }

    private static void awaitNotices(List<Notice> notices, Notice.Kind kind, int count) throws InterruptedException {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (items(notices).stream().filter(n -> n.kind() == kind).count() < count
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(items(notices).stream().filter(n -> n.kind() == kind)).hasSize(count);
    }

    /** Every notice told, digests opened. */
    private static List<Notice> items(List<Notice> notices) {
        return notices.stream().flatMap(n -> n.kind() == Notice.Kind.DIGEST ? n.items().stream()
                : java.util.stream.Stream.of(n)).toList();
    }

}
