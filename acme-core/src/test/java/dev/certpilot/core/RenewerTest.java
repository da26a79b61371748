package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.acme.SuggestedWindow;
import dev.certpilot.core.internal.base.KeyPairs;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.Pem;

/**
 * The renewal engine against a scripted CA at the issuer boundary: what a real CA cannot do on demand (fail,
 * offer an ARI window, stall) and a clock that jumps. Issuance itself is tested against Pebble in the ITs.
 */
class RenewerTest {

    private static final String PRIMARY = "https://primary.test/dir";
    private static final String FALLBACK = "https://fallback.test/dir";

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();
    private final FakeIssuer primary = new FakeIssuer(PRIMARY, clock);
    private final FakeIssuer fallback = new FakeIssuer(FALLBACK, clock);

    private CertificateManagerBuilder manager() {
        var builder = CertificateManager.builder()
                .certificateAuthorities(CertificateAuthority.of(PRIMARY), CertificateAuthority.of(FALLBACK))
                .agreeToTermsOfService()
                .challenges(new InMemoryHttp01Responder())
                .storageDirectory(storage)
                .clock(clock)
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .listener(events);
        var fakes = Map.of(PRIMARY, primary, FALLBACK, fallback);
        builder.issuerDecorator = real -> fakes.get(real.ca().directory().toString());
        return builder;
    }

    @Test
    void aBootstrapCertificateIsServedUntilTheFirstOneIsIssued() throws Exception {
        var release = new CountDownLatch(1);
        primary.onIssue(() -> release.await(10, TimeUnit.SECONDS));
        try (var manager = manager().certificate("shop", "shop.test", "www.shop.test").build()) {
            manager.start();

            var bootstrap = manager.certificate("shop").orElseThrow();
            assertThat(bootstrap.isSelfSigned()).isTrue();
            assertThat(bootstrap.domains()).containsExactly("shop.test", "www.shop.test");
            assertThat(manager.certificateForHost("www.shop.test")).contains(bootstrap);
            assertThat(manager.status().get(0).bootstrap()).isTrue();
            assertThat(new FileCertificateStore(storage).load("shop")).as("never stored").isEmpty();

            release.countDown();
            manager.awaitCertificates(Duration.ofSeconds(10));
            var issued = manager.certificate("shop").orElseThrow();
            assertThat(issued.serialNumber()).isNotEqualTo(bootstrap.serialNumber());
            assertThat(manager.status().get(0).bootstrap()).isFalse();
            assertThat(events.of(CertificateEvent.Obtained.class)).hasSize(1);
        }
    }

    @Test
    void prepareServesWithoutCallingTheCaUntilStart() throws Exception {
        try (var manager = manager().domain("shop.test").build()) {
            manager.prepare();

            assertThat(manager.certificate("shop.test")).hasValueSatisfying(b -> assertThat(b.isSelfSigned()).isTrue());
            assertThat(manager.status().get(0).nextCheck()).as("nothing scheduled before start()").isNull();
            assertThat(primary.calls()).as("no order before start()").isEmpty();

            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            assertThat(primary.calls()).hasSize(1);
        }
    }

    @Test
    void manyStoredCertificatesAreServedFromTheListingWithoutAnOrder() throws Exception {
        var stored = new java.util.concurrent.ConcurrentHashMap<String, CertificateBundle>();
        var loads = new java.util.concurrent.atomic.AtomicInteger();
        var keys = KeyType.EC_P256.generate();
        var builder = manager();
        for (int i = 0; i < 600; i++) {
            var name = "s" + i + ".test";
            stored.put(name, SelfSigned.bundle(name, keys, Instant.now().minusSeconds(60), Duration.ofDays(90), name));
            builder.domain(name);
        }
        builder.store(new ForwardingStore(new FileCertificateStore(storage)) {
            @Override
            public Optional<CertificateBundle> load(String name) {
                loads.incrementAndGet();
                return Optional.ofNullable(stored.get(name));
            }

            @Override
            public java.util.List<dev.certpilot.core.spi.StoredCertificate> list() {
                return stored.values().stream().map(dev.certpilot.core.spi.StoredCertificate::of).toList();
            }
        });
        try (var manager = builder.build()) {
            manager.prepare();
            assertThat(loads).as("start-up reads the listing, not the certificates").hasValue(0);

            for (int i = 0; i < 600; i++) {
                var name = "s" + i + ".test";
                assertThat(manager.certificateForHost(name)).as(name).contains(stored.get(name));
            }
            assertThat(manager.status()).allSatisfy(s -> assertThat(s.bootstrap()).isFalse());
            assertThat(loads).as("each read once, at its first use").hasValue(600);
            assertThat(primary.calls()).isEmpty();
        }
    }

    @Test
    void atStartStoredCertificatesAreCheckedSpreadOutButDueOnesAtOnce() throws Exception {
        var store = new FileCertificateStore(storage);
        store.save(SelfSigned.bundle("fresh.test", Instant.now().minusSeconds(60), Duration.ofDays(90), "fresh.test"));
        store.save(SelfSigned.bundle("due.test", Instant.now().minus(Duration.ofDays(80)), Duration.ofDays(90),
                "due.test"));
        try (var manager = manager().domain("fresh.test").domain("due.test").build()) {
            var started = Instant.now();
            manager.start();

            events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));
            assertThat(events.of(CertificateEvent.Renewed.class)).extracting(CertificateEvent::name)
                    .containsExactly("due.test");
            var fresh = manager.status().get(0);
            assertThat(fresh.name()).isEqualTo("fresh.test");
            assertThat(fresh.nextCheck()).as("spread over the first minutes, not all at once")
                    .isBetween(started, started.plus(Duration.ofMinutes(5)).plusSeconds(1));
        }
    }

    @Test
    void theStartSpreadNeverPutsAStoredCertificatesFirstCheckPastItsDueTime() throws Exception {
        var now = clock.instant();
        // 10 minutes of life, 4 left: due by the lifetime rule (a third left, up to a tenth earlier) in 20 to 40 s
        var shortLived = SelfSigned.bundle("short.test", now.minusSeconds(360), Duration.ofMinutes(10), "short.test");
        new FileCertificateStore(storage).save(shortLived);
        var builder = manager().domain("short.test").renewalWindow(1.0 / 3);
        builder.random = new HighestRandom(); // the spread draws its latest time: 5 minutes
        try (var manager = builder.build()) {
            manager.start();

            var status = manager.status().get(0);
            assertThat(status.serialNumber()).isEqualTo(shortLived.serialNumber());
            assertThat(status.nextCheck()).as("not at a random point in the next 5 minutes")
                    .isBetween(now.plusSeconds(18), now.plusSeconds(41)); // X.509 keeps whole seconds
            assertThat(primary.calls()).isEmpty();
        }
    }

    @Test
    void aCertificateThatCannotBeStoredIsServedFromMemoryAndOnlyItsSaveIsRetried() throws Exception {
        var disk = new FileCertificateStore(storage);
        var failingSaves = new AtomicInteger(2);
        var builder = manager().domain("shop.test").store(new ForwardingStore(disk) {
            @Override
            public void save(CertificateBundle bundle, dev.certpilot.core.spi.Lease lease)
                    throws java.io.IOException {
                if (failingSaves.getAndDecrement() > 0) {
                    throw new java.io.IOException("No space left on device");
                }
                super.save(bundle, lease);
            }
        });
        try (var manager = builder.build()) {
            manager.start();

            var failures = events.await(CertificateEvent.Failed.class, 2, Duration.ofSeconds(5));
            var obtained = events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(5));
            assertThat(manager.certificate("shop.test")).as("served at once, from memory").contains(obtained.certificate());
            assertThat(failures.cause()).isInstanceOf(StorageException.class)
                    .hasMessageContaining("served from memory").hasMessageContaining("without a new order")
                    .hasMessageContaining("No space left on device");
            awaitStored(disk, obtained.certificate());

            assertThat(primary.calls()).as("one order: the retries only stored it").hasSize(1);
            assertThat(events.of(CertificateEvent.Failed.class)).extracting(CertificateEvent.Failed::attempt)
                    .containsExactly(1, 2);
            assertThat(events.of(CertificateEvent.Obtaining.class)).hasSize(1);
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (manager.status().get(0).failedAttempts() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(manager.status().get(0).failedAttempts()).isZero();
            assertThat(manager.status().get(0).lastError()).isNull();
        }
    }

    /**
     * Waits until the manager has run {@code checks} more routine checks of its first certificate (each schedules
     * the next: its next check moves on), so that an assertion that nothing happened follows checks that ran.
     */
    private static void awaitRoutineChecks(CertificateManager manager, int checks) throws InterruptedException {
        var seen = manager.status().get(0).nextCheck();
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int done = 0; done < checks; ) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the manager ran " + done + " of " + checks + " checks in 10 s");
            }
            var next = manager.status().get(0).nextCheck();
            if (next != null && !next.equals(seen)) {
                seen = next;
                done++;
            } else {
                Thread.sleep(5);
            }
        }
    }

    private static void awaitStored(FileCertificateStore disk, CertificateBundle bundle) throws Exception {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            var stored = disk.load(bundle.name());
            if (stored.isPresent() && stored.get().serialNumber().equals(bundle.serialNumber())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("certificate " + bundle.name() + " was never stored");
    }

    @Test
    void aWorldWritableStorageDirectoryIsWarnedAboutAtStart() throws Exception {
        java.nio.file.Files.setPosixFilePermissions(storage,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        var err = System.err;
        var captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try (var manager = manager().domain("shop.test").build()) {
            manager.prepare();
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("WARN dev.certpilot.storage - Storage directory " + storage + " is writable by every user");
    }

    @Test
    void anUncheckedExceptionFromTheIssuerIsACountedFailureWithItsEventAndBackOff() throws Exception {
        var blip = new IllegalStateException("Connection reset while downloading the certificate chain");
        var failing = new AtomicInteger(1);
        primary.onIssue(() -> {
            if (failing.getAndDecrement() > 0) {
                throw blip;
            }
        });
        try (var manager = manager().domain("shop.test").build()) {
            manager.start();

            var thrown = catchThrowableOfType(CertpilotException.class,
                    () -> manager.awaitCertificates(Duration.ofSeconds(5)));
            var failed = events.await(CertificateEvent.Failed.class, 1, Duration.ofSeconds(5));
            assertThat(failed.attempt()).isEqualTo(1);
            assertThat(failed.cause()).hasCause(blip).hasMessageContaining("Connection reset");
            assertThat(Duration.between(failed.time(), failed.nextAttempt()))
                    .isBetween(Duration.ofMillis(50), Duration.ofMillis(55));
            assertThat(thrown).as("handed to this thread wrapped, not the instance the event carries")
                    .isNotSameAs(failed.cause()).hasCause(failed.cause());

            events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(5));
            assertThat(events.of(CertificateEvent.Obtaining.class)).as("retried after the back-off").hasSize(2);
        }
    }

    @Test
    void renewNowReportsAnUncheckedIssuerFailureAsACertpilotException() throws Exception {
        try (var manager = manager().domain("shop.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            var blip = new IllegalStateException("network blip");
            primary.onIssue(() -> {
                throw blip;
            });
            fallback.onIssue(() -> {
                throw blip;
            });

            var thrown = catchThrowableOfType(CertpilotException.class, () -> manager.renewNow("shop.test"));

            assertThat(thrown).hasRootCause(blip);
            var status = manager.status().get(0);
            assertThat(status.failedAttempts()).isEqualTo(1);
            assertThat(status.lastError()).contains("network blip");
            assertThat(status.nextCheck()).isBefore(java.time.Instant.now().plusSeconds(1));
            assertThat(events.of(CertificateEvent.Failed.class)).hasSize(1);
        }
    }

    @Test
    void aStoredCertificateWhoseKeyWasReplacedIsMovedAsideAndObtainedAgainNotServed() throws Exception {
        var store = new FileCertificateStore(storage);
        var stored = SelfSigned.bundle("shop.test", clock.instant().minusSeconds(60), Duration.ofDays(90), "shop.test");
        store.save(stored);
        java.nio.file.Files.writeString(store.certificateDirectory("shop.test").resolve("privkey.pem"),
                Pem.privateKey(KeyType.EC_P256.generate().getPrivate()));
        try (var manager = manager().domain("shop.test").build()) {
            manager.prepare();
            assertThat(manager.certificate("shop.test").orElseThrow().serialNumber())
                    .as("not the stored certificate, whose handshakes would all fail")
                    .isNotEqualTo(stored.serialNumber());
            assertThat(storage.resolve("corrupt")).isDirectory();

            manager.start();
            var obtained = events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(5));
            assertThat(KeyPairs.matches(obtained.certificate().leaf().getPublicKey(),
                    obtained.certificate().privateKey())).isTrue();
        }
    }

    @Test
    void aCustomStoresPairWhoseKeyDoesNotMatchIsNotServed() throws Exception {
        var good = SelfSigned.bundle("shop.test", clock.instant().minusSeconds(60), Duration.ofDays(90), "shop.test");
        var mismatched = new CertificateBundle("shop.test", good.domains(), good.chain(),
                KeyType.EC_P256.generate().getPrivate());
        var builder = manager().domain("shop.test").store(new ForwardingStore(new FileCertificateStore(storage)) {
            @Override
            public Optional<CertificateBundle> load(String name) {
                return Optional.of(mismatched);
            }
        });
        try (var manager = builder.build()) {
            manager.prepare();

            assertThat(manager.certificate("shop.test").orElseThrow().serialNumber())
                    .isNotEqualTo(good.serialNumber());
            assertThat(manager.status().get(0).bootstrap()).isTrue();
        }
    }

    @Test
    void aClockJumpOf60DaysRenewsAndTheOrderSaysWhichCertificateItReplaces() throws Exception {
        try (var manager = manager().domain("shop.test").checkInterval(Duration.ofMillis(100)).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            var first = manager.certificate("shop.test").orElseThrow();
            awaitRoutineChecks(manager, 2);
            assertThat(events.of(CertificateEvent.Renewed.class)).as("not due on day 0").isEmpty();

            clock.jump(Duration.ofDays(60)); // 30 days left of 90: within the last third

            var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));
            assertThat(renewed.previousSerial()).isEqualTo(first.serialNumber());
            assertThat(manager.certificate("shop.test").orElseThrow().serialNumber())
                    .isEqualTo(renewed.certificate().serialNumber());
            assertThat(primary.calls()).hasSize(2);
            assertThat(primary.calls().get(0).replacing()).as("a first order replaces nothing").isNull();
            assertThat(primary.calls().get(1).replacing()).isEqualTo(first.leaf());
        }
    }

    @Test
    void theCasRenewalWindowIsUsedWhenOffered() throws Exception {
        var windowStart = new AtomicReference<Instant>();
        var firstSerial = new AtomicReference<BigInteger>();
        primary.renewalInfo(certificate -> {
            firstSerial.compareAndSet(null, certificate.getSerialNumber());
            if (!certificate.getSerialNumber().equals(firstSerial.get())) {
                return Optional.empty(); // the renewed one: lifetime rule, 60 days away
            }
            // past the issuance floor (an hour for a 90-day certificate), long before the lifetime rule
            windowStart.compareAndSet(null, clock.instant().plus(Duration.ofHours(2)));
            return Optional.of(new SuggestedWindow(windowStart.get(), windowStart.get().plusMillis(200), null));
        });
        try (var manager = manager().domain("shop.test").checkInterval(Duration.ofMillis(100)).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            var first = manager.certificate("shop.test").orElseThrow();
            awaitRoutineChecks(manager, 2);
            assertThat(primary.calls()).as("not due before its window").hasSize(1);
            clock.jump(Duration.ofHours(2));

            var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));

            assertThat(renewed.previousSerial()).isEqualTo(first.serialNumber());
            assertThat(primary.calls().get(1).time()).as("inside the suggested window, not 60 days later")
                    .isBetween(windowStart.get(), windowStart.get().plusSeconds(2));
            assertThat(primary.calls().get(1).replacing()).isEqualTo(first.leaf());
            awaitRoutineChecks(manager, 2);
            assertThat(primary.calls()).as("the renewed certificate is not due").hasSize(2);
        }
    }

    @Test
    void theRenewalWindowIsAskedOfTheCaThatIssuedTheCertificateNotTheFirstConfigured() throws Exception {
        primary.alwaysFail(true); // the certificate comes from the fallback CA
        var askedPrimary = new AtomicInteger();
        var askedFallback = new AtomicInteger();
        var windowStart = clock.instant().plus(Duration.ofDays(10));
        primary.renewalInfo(certificate -> {
            askedPrimary.incrementAndGet();
            throw new AcmeServerException("malformed: not a certificate of this CA", URI.create(PRIMARY), null, null);
        });
        fallback.renewalInfo(certificate -> {
            askedFallback.incrementAndGet();
            return Optional.of(new SuggestedWindow(windowStart, windowStart.plus(Duration.ofHours(1)), null));
        });
        try (var manager = manager().domain("shop.test").failoverAfter(1).checkInterval(Duration.ofDays(30))
                .build()) {
            manager.start();
            events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(5));
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // the window is asked for, then the next check scheduled from it: wait for both
            while ((askedFallback.get() == 0 || manager.status().get(0).nextCheck().isBefore(windowStart.minus(
                    Duration.ofDays(1)))) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            assertThat(askedFallback.get()).isPositive();
            assertThat(askedPrimary.get()).isZero();
            assertThat(manager.status().get(0).nextCheck()).as("in the issuing CA's window")
                    .isBetween(windowStart, windowStart.plus(Duration.ofHours(1)));
        }
    }

    @Test
    void forAStoredCertificateTheCaThatKnowsItAnswersItsRenewalWindow() throws Exception {
        var stored = SelfSigned.bundle("shop.test", clock.instant().minusSeconds(60), Duration.ofDays(90), "shop.test");
        new FileCertificateStore(storage).save(stored);
        primary.renewalInfo(certificate -> {
            throw new AcmeServerException("404: unknown certificate", URI.create(PRIMARY), null, null);
        });
        fallback.renewalInfo(certificate -> certificate.getSerialNumber().equals(stored.serialNumber())
                ? Optional.of(new SuggestedWindow(clock.instant().minusSeconds(1), clock.instant().plusSeconds(1), null))
                : Optional.empty()); // the fallback CA asks for this one to be renewed now (a mass revocation)
        try (var manager = manager().domain("shop.test").checkInterval(Duration.ofMillis(200)).build()) {
            manager.start();

            var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));
            assertThat(renewed.previousSerial()).as("renewed at once, 60 days before the lifetime rule")
                    .isEqualTo(stored.serialNumber());
        }
    }

    @Test
    void aCaThatHasNotAnsweredStallsNeitherStatusNorListenersNorOtherCertificates() throws Exception {
        var calls = new AtomicInteger();
        var slowStarted = new CountDownLatch(1);
        var answer = new CountDownLatch(1);
        primary.onIssue(() -> {
            if (calls.getAndIncrement() == 0) {
                slowStarted.countDown();
                answer.await(); // a CA that has not answered yet, for as long as the test needs
            }
        });
        try (var manager = manager().domain("slow.test").domain("other.test").build()) {
            manager.start();
            assertThat(slowStarted.await(5, TimeUnit.SECONDS)).isTrue();

            // while the order hangs: each call returns (a call that waited for the order would wait forever)
            var caller = Executors.newSingleThreadExecutor();
            try {
                var answered = caller.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        assertThat(manager.status()).hasSize(2);
                        manager.addListener(event -> { });
                        assertThat(manager.certificate("slow.test")).isPresent();
                    }
                    return true;
                });
                assertThat(answered.get(10, TimeUnit.SECONDS)).as("status(), addListener and certificate() during "
                        + "the order").isTrue();
                assertThat(answer.getCount()).as("the slow order is still waiting for its CA").isOne();
            } finally {
                caller.shutdownNow();
            }
            var other = events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(3));
            assertThat(calls.get()).isEqualTo(2);
            assertThat(manager.status()).filteredOn(status -> status.name().equals(other.name()))
                    .singleElement().satisfies(status -> assertThat(status.bootstrap()).isFalse());
            answer.countDown();
        }
    }

    @Test
    void failuresBackOffThenFailOverToTheNextCaAndSuccessReturnsToTheFirst() throws Exception {
        primary.alwaysFail(true);
        try (var manager = manager().domain("shop.test").failoverAfter(2).checkInterval(Duration.ofMillis(100))
                .build()) {
            manager.start();

            assertThatThrownBy(() -> manager.awaitCertificates(Duration.ofSeconds(5)))
                    .as("awaitCertificates reports the failure at once").isInstanceOf(AcmeServerException.class)
                    .hasMessageContaining("500");
            var obtained = events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(5));
            assertThat(events.of(CertificateEvent.Obtaining.class)).extracting(e -> e.certificateAuthority().toString())
                    .containsExactly(PRIMARY, PRIMARY, FALLBACK);
            var failed = events.of(CertificateEvent.Failed.class);
            assertThat(failed).extracting(CertificateEvent.Failed::attempt).containsExactly(1, 2);
            assertThat(Duration.between(failed.get(0).time(), failed.get(0).nextAttempt()))
                    .isBetween(Duration.ofMillis(50), Duration.ofMillis(55));
            assertThat(Duration.between(failed.get(1).time(), failed.get(1).nextAttempt()))
                    .isBetween(Duration.ofMillis(100), Duration.ofMillis(110));
            assertThat(primary.calls().get(1).time()).isAfterOrEqualTo(failed.get(0).nextAttempt());
            assertThat(obtained.certificate().isSelfSigned()).isFalse(); // from the fake CA's root

            primary.alwaysFail(false);
            clock.jump(Duration.ofDays(61));
            events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(5));
            assertThat(events.of(CertificateEvent.Obtaining.class).get(3).certificateAuthority().toString())
                    .as("back to the first CA after a success").isEqualTo(PRIMARY);
        }
    }

    @Test
    void renewalThatKeepsFailingNearExpiryWarns() throws Exception {
        try (var manager = manager().domain("shop.test").checkInterval(Duration.ofMillis(100))
                .expiryWarning(Duration.ofDays(7)).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));
            var served = manager.certificate("shop.test").orElseThrow();
            primary.alwaysFail(true);
            fallback.alwaysFail(true);

            clock.jump(Duration.ofDays(85)); // 5 days left

            var expiring = events.await(CertificateEvent.Expiring.class, 1, Duration.ofSeconds(5));
            assertThat(expiring.notAfter()).isEqualTo(served.notAfter());
            assertThat(expiring.remaining()).isLessThan(Duration.ofDays(7)).isGreaterThan(Duration.ofDays(4));
            assertThat(manager.certificate("shop.test")).as("still served").contains(served);
            var status = manager.status().get(0);
            assertThat(status.failedAttempts()).isPositive();
            assertThat(status.lastError()).contains("500");
            assertThat(status.serialNumber()).isEqualTo(served.serialNumber());
        }
    }

    @Test
    void ordersRunOnABoundedPoolNotAThreadPerCertificate() throws Exception {
        var inFlight = new AtomicInteger();
        var most = new AtomicInteger();
        primary.onIssue(() -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Thread.sleep(30);
            inFlight.decrementAndGet();
        });
        var builder = manager().concurrentOrders(3);
        for (int i = 0; i < 12; i++) {
            builder.domain("site" + i + ".test");
        }
        try (var manager = builder.build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(10));

            assertThat(most.get()).isEqualTo(3);
            assertThat(primary.calls()).hasSize(12);
            assertThat(Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("certpilot-renewal-")).count()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void aFailingListenerDoesNotStopOthersNorTheRenewal() throws Exception {
        var builder = manager().domain("shop.test");
        builder.listener(event -> {
            throw new IllegalStateException("listener bug");
        });
        try (var manager = builder.build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(5));

            assertThat(events.of(CertificateEvent.Obtained.class)).hasSize(1);
        }
    }

    @Test
    void renewNowAndStatusNameUnknownCertificates() throws Exception {
        try (var manager = manager().domain("shop.test").build()) {
            assertThatThrownBy(() -> manager.renewNow("shop.test")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("start()");
            manager.start();
            assertThatThrownBy(() -> manager.renewNow("blog")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'blog'").hasMessageContaining("shop.test");
        }
    }
}
