package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.acme.AcmeClient;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/** Renewal end to end against a real Pebble issuing one-minute certificates. */
class RenewalIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withCertificateValidity(Duration.ofSeconds(60));

    @TempDir
    Path storage;

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    private final EventLog events = new EventLog();

    private CertificateManagerBuilder manager(Pebble pebble) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .challenges(httpServer.responder())
                .storageDirectory(storage)
                .issuanceTimeout(Duration.ofSeconds(30))
                .listener(events);
    }

    @Test
    void aCertificateRenewsOnItsOwnAndListenersSeeIt(Pebble pebble) throws Exception {
        try (var manager = manager(pebble).domain("auto.test").renewalWindow(0.85).build()) {
            manager.start();
            var obtained = events.await(CertificateEvent.Obtained.class, 1, Duration.ofSeconds(30));

            var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(30));

            assertThat(renewed.previousSerial()).isEqualTo(obtained.certificate().serialNumber());
            assertThat(renewed.certificate().serialNumber()).isNotEqualTo(renewed.previousSerial());
            assertThat(manager.certificate("auto.test")).contains(renewed.certificate());
            assertThat(new FileCertificateStore(storage).load("auto.test").orElseThrow().serialNumber())
                    .isEqualTo(renewed.certificate().serialNumber());
            CertificateManagerIT.verifyChain(renewed.certificate().chain(), pebble);
            var lifetime = Duration.between(obtained.certificate().notBefore(), obtained.certificate().notAfter());
            assertThat(renewed.time()).as("renewed once less than 85% of the lifetime remained, not before")
                    .isAfterOrEqualTo(obtained.certificate().notAfter().minus(lifetime.multipliedBy(85).dividedBy(100))
                            .minus(lifetime.multipliedBy(85).dividedBy(1000)));
        }
    }

    @Test
    void aCaAnswering500sThenRateLimitedIsRetriedOnScheduleWhileTheOldCertificateIsServed(Pebble pebble)
            throws Exception {
        var clock = Clock.systemUTC();
        var faults = new ArrayList<FakeIssuer>();
        var builder = manager(pebble).domain("flaky.test")
                .retryBackoff(Duration.ofMillis(300), Duration.ofMillis(600));
        builder.issuerDecorator = real -> {
            var fake = new FakeIssuer(real, clock);
            faults.add(fake);
            return fake;
        };
        try (var manager = builder.build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            var old = manager.certificate("flaky.test").orElseThrow();
            var fake = faults.get(0);
            var retryAfter = clock.instant().plusMillis(2_500);
            fake.failNext(fake.serverError(), fake.serverError(), fake.rateLimited(retryAfter));
            var servedDuringFailures = new CopyOnWriteArrayList<java.math.BigInteger>();
            manager.addListener(event -> {
                if (event instanceof CertificateEvent.Failed) {
                    servedDuringFailures.add(manager.certificateForHost("flaky.test").orElseThrow().serialNumber());
                }
            });

            assertThatThrownBy(() -> manager.renewNow("flaky.test")).isInstanceOf(AcmeServerException.class)
                    .hasMessageContaining("500");
            var renewed = events.await(CertificateEvent.Renewed.class, 1, Duration.ofSeconds(30));

            var attempts = fake.calls().subList(1, fake.calls().size()).stream().map(FakeIssuer.Call::time).toList();
            assertThat(attempts).hasSize(4);
            var gap1 = Duration.between(attempts.get(0), attempts.get(1));
            var gap2 = Duration.between(attempts.get(1), attempts.get(2));
            assertThat(gap1).as("first back-off").isBetween(Duration.ofMillis(300), Duration.ofMillis(300 + 30 + 250));
            assertThat(gap2).as("doubled").isBetween(Duration.ofMillis(600), Duration.ofMillis(600 + 60 + 250));
            assertThat(attempts.get(3)).as("not before the rate limit's Retry-After").isAfterOrEqualTo(retryAfter)
                    .isBefore(retryAfter.plusMillis(500));
            var failed = events.of(CertificateEvent.Failed.class);
            assertThat(failed).extracting(CertificateEvent.Failed::attempt).containsExactly(1, 2, 3);
            assertThat(failed.get(2).cause()).isInstanceOf(RateLimitedException.class);
            assertThat(failed.get(2).nextAttempt()).isEqualTo(retryAfter);
            assertThat(servedDuringFailures).as("the old certificate was served throughout")
                    .containsOnly(old.serialNumber()).hasSize(3);
            assertThat(renewed.previousSerial()).isEqualTo(old.serialNumber());
            assertThat(manager.certificate("flaky.test").orElseThrow().serialNumber())
                    .isEqualTo(renewed.certificate().serialNumber());
        }
    }

    @Test
    void twoManagersOnOneStorageStartedTogetherPlaceExactlyOneOrder(Pebble pebble) throws Exception {
        var orders = Collections.synchronizedList(new ArrayList<FakeIssuer.Call>());
        var go = new CountDownLatch(1);
        var managers = new ArrayList<CertificateManager>();
        for (int i = 0; i < 2; i++) {
            var builder = manager(pebble).domain("shared.test");
            builder.issuerDecorator = real -> new FakeIssuer(real, Clock.systemUTC()).onIssue(() -> orders.add(null));
            managers.add(builder.build());
        }
        var pool = Executors.newFixedThreadPool(2);
        try {
            var started = new ArrayList<java.util.concurrent.Future<?>>();
            for (var manager : managers) {
                started.add(pool.submit(() -> {
                    go.await();
                    manager.start();
                    manager.awaitCertificates(Duration.ofSeconds(30));
                    return null;
                }));
            }
            go.countDown();
            for (var future : started) {
                future.get();
            }
            assertThat(orders).as("orders placed by both managers").hasSize(1);
            assertThat(managers.get(0).certificate("shared.test").orElseThrow().serialNumber())
                    .isEqualTo(managers.get(1).certificate("shared.test").orElseThrow().serialNumber());
        } finally {
            pool.shutdownNow();
            managers.forEach(CertificateManager::close);
        }
    }

    @Test
    void aCorruptedStoredCertificateIsMovedAsideAndObtainedAgain(Pebble pebble) throws Exception {
        java.math.BigInteger first;
        try (var manager = manager(pebble).domain("corrupt.test").build()) {
            CertificateManagerIT.startAndAwait(manager);
            first = manager.certificate("corrupt.test").orElseThrow().serialNumber();
        }
        var fullchain = storage.resolve("certificates/corrupt.test/fullchain.pem");
        var content = Files.readString(fullchain);
        Files.writeString(fullchain, content.substring(0, content.length() / 2));

        try (var manager = manager(pebble).domain("corrupt.test").build()) {
            CertificateManagerIT.startAndAwait(manager);

            assertThat(manager.certificate("corrupt.test").orElseThrow().serialNumber()).isNotEqualTo(first);
        }
        try (var aside = Files.list(storage.resolve("corrupt"))) {
            var moved = aside.toList();
            assertThat(moved).hasSize(1);
            assertThat(moved.get(0).getFileName().toString()).startsWith("corrupt.test-");
            assertThat(moved.get(0).resolve("fullchain.pem")).hasContent(content.substring(0, content.length() / 2));
        }
    }

    @Test
    void pebbleOffersNoRenewalInfoSoTheLifetimeRuleSchedulesTheRenewal(Pebble pebble) throws Exception {
        var client = new AcmeClient(CertificateAuthority.of(pebble.directory().toString())
                .withTrustedCertificates(pebble.listenerCa()), null, new FileCertificateStore(storage),
                Duration.ofSeconds(10), KeyType.EC_P256);
        try (var manager = manager(pebble).domain("lifetime.test").checkInterval(Duration.ofDays(365)).build()) {
            CertificateManagerIT.startAndAwait(manager);
            var bundle = manager.certificate("lifetime.test").orElseThrow();

            assertThat(client.suggestedWindow(bundle.leaf())).isEmpty();
            var lifetime = Duration.between(bundle.notBefore(), bundle.notAfter());
            var window = lifetime.dividedBy(2); // 60-second certificates are short-lived: due with half their life left
            assertThat(manager.status().get(0).nextCheck())
                    .isBetween(bundle.notAfter().minus(window).minus(window.dividedBy(10)).minusMillis(1),
                            bundle.notAfter().minus(window).plusMillis(1));
        }
    }

    @Test
    void revocationIsRecordedByTheCaAndANewCertificateIsServed(Pebble pebble) throws Exception {
        try (var manager = manager(pebble).domain("revoke.test").build()) {
            CertificateManagerIT.startAndAwait(manager);
            var old = manager.certificate("revoke.test").orElseThrow();

            var replacement = manager.revoke("revoke.test", RevocationReason.KEY_COMPROMISE);

            assertThat(pebble.isRevoked(old.serialNumber())).isTrue();
            assertThat(pebble.isRevoked(replacement.serialNumber())).isFalse();
            assertThat(manager.certificate("revoke.test")).contains(replacement);
            var revoked = events.of(CertificateEvent.Revoked.class);
            assertThat(revoked).hasSize(1);
            assertThat(revoked.get(0).serial()).isEqualTo(old.serialNumber());
            assertThat(revoked.get(0).reason()).isEqualTo(RevocationReason.KEY_COMPROMISE);
        }
    }

    @Test
    void theAccountKeyRollsOverAndTheNewKeyKeepsWorkingAfterARestart(Pebble pebble) throws Exception {
        try (var manager = manager(pebble).domain("rollover.test").build()) {
            CertificateManagerIT.startAndAwait(manager);
            var keyFile = Files.walk(storage.resolve("accounts")).filter(p -> p.endsWith("account.key"))
                    .findFirst().orElseThrow();
            var before = Files.readString(keyFile);

            manager.rollOverAccountKey();

            assertThat(Files.readString(keyFile)).isNotEqualTo(before);
            assertThat(manager.renewNow("rollover.test").serialNumber()).isNotNull();
        }
        assertThat(pebble.log()).as("Pebble logs each registration").contains("accounts in memory");
        var logBefore = pebble.log().split("\n").length;
        try (var restarted = manager(pebble).domain("rollover.test").build()) {
            restarted.start();
            var renewed = restarted.renewNow("rollover.test");
            assertThat(renewed.isSelfSigned()).isFalse();
        }
        assertThat(List.of(pebble.log().split("\n")).subList(logBefore, pebble.log().split("\n").length))
                .as("the restarted manager found its account with the new key instead of registering another")
                .noneMatch(line -> line.contains("There are now") && line.contains("accounts"));
    }
}
