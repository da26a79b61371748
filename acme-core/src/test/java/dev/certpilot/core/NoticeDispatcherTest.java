package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.certpilot.core.internal.notify.NoticeDispatcher;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.Notifier;

/**
 * Which events become notices, and how often: one per certificate and problem, again when it changes or the reminder
 * interval has passed, the all-clear when it is over, digests, a bounded queue and failing notifiers. Events carry
 * their own time, so reminders are driven by the events' clock, not by waiting.
 */
class NoticeDispatcherTest {

    private static final Instant T0 = Instant.parse("2027-03-01T10:00:00Z");
    private static final URI CA = URI.create("https://ca.test/dir");
    private static final URI OTHER_CA = URI.create("https://other-ca.test/dir");

    private final FakeCaCertificates ca = new FakeCaCertificates("Notices");
    private final BlockingQueue<Notice> received = new LinkedBlockingQueue<>();
    private final ManagedCertificate shop = new ManagedCertificate("shop", List.of("shop.test", "www.shop.test"));
    /** No gathering unless a test sets it: what is told, not when. */
    private Duration gather = Duration.ZERO;
    private CertificateBundle servedShop = fromCa(T0.minus(Duration.ofDays(80)));
    private NoticeDispatcher dispatcher;
    private long expectedSends;

    @AfterEach
    void close() {
        if (dispatcher != null) {
            dispatcher.close();
        }
    }

    /** A certificate for shop from the fake CA, valid for 90 days from {@code notBefore}. */
    private CertificateBundle fromCa(Instant notBefore) {
        var keys = KeyType.EC_P256.generate();
        return new CertificateBundle("shop", shop.domains(), ca.issue(shop.domains(), keys.getPublic(), notBefore,
                Duration.ofDays(90)), keys.getPrivate());
    }

    private NoticeDispatcher start(Notifications settings) {
        dispatcher = new NoticeDispatcher(settings, Clock.fixed(T0, ZoneOffset.UTC),
                name -> name.equals("shop") ? Optional.of(shop) : Optional.empty(),
                name -> name.equals("shop") ? Optional.of(servedShop) : Optional.empty(), gather);
        dispatcher.start();
        return dispatcher;
    }

    private static CertificateEvent.Failed failed(String name, int attempt, Instant at, CertpilotException cause) {
        return new CertificateEvent.Failed(name, at, cause, attempt, at.plusSeconds(60L << attempt));
    }

    private static ChallengeFailedException challengeFailed() {
        return new ChallengeFailedException("shop.test", List.of(new ChallengeFailedException.Attempt("http-01",
                "couldn't download http://shop.test/.well-known/acme-challenge/abc")));
    }

    private Notice next() throws InterruptedException {
        var notice = received.poll(10, TimeUnit.SECONDS);
        assertThat(notice).as("a notice within 10 s").isNotNull();
        return notice;
    }

    /** Waits until the worker has sent what the dispatcher took so far. */
    private void settle() throws InterruptedException {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (dispatcher.counts().sent() + dispatcher.counts().failed() < expectedSends
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void aRenewalThatKeepsFailingIsToldOnceThenRemindedThenCleared() throws Exception {
        start(Notifications.builder(received::add).reminderInterval(Duration.ofHours(6)).build());
        servedShop = fromCa(T0.minus(Duration.ofDays(88)));

        dispatcher.onEvent(failed("shop", 1, T0, challengeFailed()));
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", T0, T0.plus(Duration.ofDays(2)),
                Duration.ofDays(2)));
        var first = next();
        assertThat(first.kind()).isEqualTo(Notice.Kind.EXPIRING);
        assertThat(first.subject()).isEqualTo("[certpilot] shop: renewal keeps failing, and the certificate "
                + "expires in 2 days");
        assertThat(first.domains()).containsExactly("shop.test", "www.shop.test");
        assertThat(first.detail()).contains("couldn't download http://shop.test/.well-known/acme-challenge/");
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.nextAttempt()).isEqualTo(T0.plusSeconds(120));
        assertThat(first.fix()).contains("A and AAAA records");
        assertThat(first.text()).contains("What failed: ", "Next attempt: ", "What to do: ");

        // the same problem within the reminder interval: nothing; a day later's expiry: a reminder
        for (int attempt = 2; attempt <= 5; attempt++) {
            var at = T0.plus(Duration.ofHours(attempt));
            dispatcher.onEvent(failed("shop", attempt, at, challengeFailed()));
            dispatcher.onEvent(new CertificateEvent.Expiring("shop", at, T0.plus(Duration.ofDays(2)),
                    Duration.ofDays(2).minusHours(attempt)));
        }
        var later = T0.plus(Duration.ofHours(7));
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", later, T0.plus(Duration.ofDays(2)),
                Duration.ofDays(2).minusHours(7)));
        var reminder = next();
        assertThat(reminder.kind()).isEqualTo(Notice.Kind.EXPIRING);
        assertThat(reminder.attempts()).isEqualTo(5);
        assertThat(reminder.time()).isEqualTo(later);

        var renewed = fromCa(later);
        dispatcher.onEvent(new CertificateEvent.Renewed("shop", later.plusSeconds(30), renewed, BigInteger.ONE));
        var clear = next();
        assertThat(clear.kind()).isEqualTo(Notice.Kind.RECOVERED);
        assertThat(clear.summary()).startsWith("resolved: certificate ").contains("is served, valid until");
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
        assertThat(dispatcher.counts().sent()).isEqualTo(3);
    }

    @Test
    void anotherKindOrCauseIsToldAtOnceButTheSameOneIsNot() throws Exception {
        start(Notifications.to(received::add));
        dispatcher.onEvent(failed("shop", 1, T0, challengeFailed()));
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", T0, T0.plusSeconds(3600), Duration.ofHours(1)));
        assertThat(next().kind()).isEqualTo(Notice.Kind.EXPIRING);
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", T0.plusSeconds(60), T0.plusSeconds(3600),
                Duration.ofMinutes(59)));
        var expired = T0.plusSeconds(3700);
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", expired, T0.plusSeconds(3600),
                Duration.ofSeconds(-100)));
        var notice = next();
        assertThat(notice.kind()).isEqualTo(Notice.Kind.EXPIRED);
        assertThat(notice.summary()).isEqualTo("renewal keeps failing, and the certificate expired 100 seconds ago");
        // another cause: the CA now refuses for CAA
        dispatcher.onEvent(failed("shop", 3, expired.plusSeconds(60), new AcmeServerException("CAA forbids",
                CA, "urn:ietf:params:acme:error:caa", null)));
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", expired.plusSeconds(60), T0.plusSeconds(3600),
                Duration.ofSeconds(-160)));
        var caa = next();
        assertThat(caa.kind()).isEqualTo(Notice.Kind.EXPIRED);
        assertThat(caa.detail()).isEqualTo("CAA forbids");
        assertThat(caa.fix()).contains("CAA records");
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aFirstCertificateNotObtainedARevocationAFailoverAndAFullStoreAreEachTold() throws Exception {
        start(Notifications.builder(received::add).onIssuance().build());
        servedShop = SelfSigned.bootstrap(shop, KeyType.EC_P256.generate(), T0);
        dispatcher.onEvent(new CertificateEvent.Obtaining("shop", T0, shop.domains(), CA, 1, false));
        dispatcher.onEvent(failed("shop", 1, T0, challengeFailed()));
        dispatcher.onEvent(failed("shop", 2, T0.plusSeconds(60), challengeFailed()));
        var notObtained = next();
        assertThat(notObtained.kind()).isEqualTo(Notice.Kind.NOT_OBTAINED);
        assertThat(notObtained.summary()).contains("self-signed bootstrap certificate");

        dispatcher.onEvent(new CertificateEvent.Obtaining("shop", T0.plusSeconds(120), shop.domains(), OTHER_CA, 3,
                false));
        var failover = next();
        assertThat(failover.kind()).isEqualTo(Notice.Kind.CA_FAILOVER);
        assertThat(failover.summary()).isEqualTo("orders failed with " + CA + " and now go to " + OTHER_CA);

        var issued = fromCa(T0);
        dispatcher.onEvent(new CertificateEvent.Obtained("shop", T0.plusSeconds(130), issued));
        assertThat(next().kind()).as("the problem's end").isEqualTo(Notice.Kind.RECOVERED);

        dispatcher.onEvent(new CertificateEvent.Revoked("shop", T0.plusSeconds(200), issued.serialNumber(),
                RevocationReason.KEY_COMPROMISE));
        var revoked = next();
        assertThat(revoked.kind()).isEqualTo(Notice.Kind.REVOKED);
        assertThat(revoked.summary()).contains("was revoked (KEY_COMPROMISE)");
        var again = fromCa(T0);
        dispatcher.onEvent(new CertificateEvent.Renewed("shop", T0.plusSeconds(210), again, issued.serialNumber()));
        assertThat(next().kind()).isEqualTo(Notice.Kind.RECOVERED);
        var renewed = fromCa(T0);
        dispatcher.onEvent(new CertificateEvent.Renewed("shop", T0.plusSeconds(300), renewed, again.serialNumber()));
        assertThat(next().kind()).as("asked for: each issuance").isEqualTo(Notice.Kind.ISSUED);

        dispatcher.onEvent(failed("shop", 1, T0.plusSeconds(400), new StorageException("No space left on device",
                "/var/lib/certpilot/shop", null)));
        var storage = next();
        assertThat(storage.kind()).isEqualTo(Notice.Kind.STORAGE_FAILING);
        assertThat(storage.fix()).contains("/var/lib/certpilot/shop");
    }

    @Test
    void aNameObtainedOnDemandThatNeverHadACertificateIsNotTold() throws Exception {
        start(Notifications.to(received::add));
        dispatcher.onEvent(failed("shop.customer.test", 2, T0, challengeFailed()));
        dispatcher.onEvent(failed("shop.customer.test", 3, T0, challengeFailed()));
        assertThat(received.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void manyNoticesTogetherAreOneDigestAndAFullQueueDropsAndCounts() throws Exception {
        var release = new CountDownLatch(1);
        var sending = new CountDownLatch(1);
        Notifier slow = notice -> {
            sending.countDown();
            release.await();
            received.add(notice);
        };
        start(Notifications.builder(slow).queueCapacity(6).build());
        dispatcher.onEvent(failed("a", 1, T0, storageFull()));
        assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();
        for (var name : List.of("b", "c", "d", "e", "f", "g", "h", "i")) {
            dispatcher.onEvent(failed(name, 1, T0, storageFull()));
        }
        assertThat(dispatcher.counts().dropped()).as("6 wait, 2 dropped").isEqualTo(2);
        release.countDown();
        assertThat(next().certificate()).isEqualTo("a");
        var digest = next();
        assertThat(digest.kind()).isEqualTo(Notice.Kind.DIGEST);
        assertThat(digest.items()).extracting(Notice::certificate).containsExactly("b", "c", "d", "e", "f", "g");
        assertThat(digest.subject()).isEqualTo("[certpilot] 6 certificates need attention");
        assertThat(digest.text()).contains("b (b): the store cannot save it", "g (g): the store cannot save it");
    }

    @Test
    void noticesArrivingOneByOneWithinTheGatheringGoOutAsOneDigest() throws Exception {
        gather = Duration.ofMillis(500);
        start(Notifications.to(received::add));
        for (var name : List.of("a", "b", "c", "d", "e")) {
            dispatcher.onEvent(failed(name, 1, T0, storageFull()));
            Thread.sleep(20); // a storm: one failure after another, faster than the gathering
        }
        var digest = next();
        assertThat(digest.kind()).isEqualTo(Notice.Kind.DIGEST);
        assertThat(digest.items()).extracting(Notice::certificate).containsExactly("a", "b", "c", "d", "e");
        assertThat(received.poll(1, TimeUnit.SECONDS)).as("nothing else").isNull();
    }

    @Test
    void aFailingNotifierIsCountedAndTheOthersStillHear() throws Exception {
        Notifier broken = notice -> {
            throw new IOException("connection refused");
        };
        start(Notifications.to(broken, received::add));
        dispatcher.onEvent(failed("shop", 1, T0, challengeFailed()));
        dispatcher.onEvent(new CertificateEvent.Expiring("shop", T0, T0.plusSeconds(60), Duration.ofSeconds(60)));
        assertThat(next().kind()).isEqualTo(Notice.Kind.EXPIRING);
        expectedSends = 2;
        settle();
        assertThat(dispatcher.counts().failed()).isEqualTo(1);
        assertThat(dispatcher.counts().sent()).isEqualTo(1);
    }

    private static StorageException storageFull() {
        return new StorageException("No space left on device", "/var/lib/certpilot", null);
    }

}
