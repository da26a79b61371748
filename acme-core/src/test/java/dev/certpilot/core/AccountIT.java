package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Session;

import dev.certpilot.core.internal.acme.AccountKeys;
import dev.certpilot.core.internal.acme.TrustingAcmeProvider;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/** The ACME account against a real Pebble that forgets it, sees it deactivated, or is reached at a wrong URL. */
class AccountIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    @TempDir
    Path storage;

    private CertificateManagerBuilder manager(Pebble pebble, String directory) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(directory).withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService().storageDirectory(storage).challenges(httpServer.responder())
                .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .issuanceTimeout(Duration.ofSeconds(30));
    }

    private Path accountKey(Pebble pebble) {
        return storage.resolve("accounts").resolve(AccountKeys.id(pebble.directory())).resolve("account.key");
    }

    @Test
    void whenTheCaForgetsTheAccountTheRunningManagerRegistersAgainWithTheSameKey(Pebble pebble) throws Exception {
        try (var manager = manager(pebble, pebble.directory().toString()).domain("forgot.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            var first = manager.certificate("forgot.test").orElseThrow();
            var key = Files.readString(accountKey(pebble));

            pebble.restart(); // a CA that lost its state: the account URL is dead

            var renewed = manager.renewNow("forgot.test");
            assertThat(renewed.serialNumber()).isNotEqualTo(first.serialNumber());
            assertThat(renewed.isSelfSigned()).isFalse();
            assertThat(Files.readString(accountKey(pebble))).as("registered again with the same key").isEqualTo(key);
            assertThat(manager.status().get(0).failedAttempts()).isZero();
        }
    }

    @Test
    void aDeactivatedAccountIsReplacedByANewOneAndItsKeyKept(Pebble pebble) throws Exception {
        try (var manager = manager(pebble, pebble.directory().toString()).domain("deactivated.test").build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            var key = Files.readString(accountKey(pebble));
            var session = new Session(pebble.directory(), new TrustingAcmeProvider(java.util.List.of(pebble.listenerCa())));
            new AccountBuilder().onlyExisting().useKeyPair(Pem.readKeyPair(key)).createLogin(session).getAccount()
                    .deactivate();

            var renewed = manager.renewNow("deactivated.test");

            assertThat(renewed.isSelfSigned()).isFalse();
            assertThat(Files.readString(accountKey(pebble))).as("a new key: a CA never revives an account")
                    .isNotEqualTo(key);
            assertThat(Files.readString(accountKey(pebble).resolveSibling("..").normalize()
                    .resolve(AccountKeys.id(pebble.directory()) + ".deactivated").resolve("account.key")))
                    .as("the old key is kept").isEqualTo(key);
        }
    }

    @Test
    void instancesStartingTogetherOnOneEmptyStoreRegisterOneAccount(Pebble pebble) throws Exception {
        var accountsBefore = accountsCreatedBy(pebble);
        var managers = new ArrayList<CertificateManager>();
        var pool = Executors.newFixedThreadPool(4);
        try {
            for (var name : List.of("a", "b", "c", "d")) {
                // a store instance each, as on four hosts sharing the directory, on a disk that takes 300 ms to save
                // an account key: without agreement, each instance would find no key, make its own and register it
                var slowDisk = new ForwardingStore(new FileCertificateStore(storage)) {
                    @Override
                    public void saveAccountKey(String accountId, KeyPair keyPair) throws IOException {
                        sleep(Duration.ofMillis(300));
                        super.saveAccountKey(accountId, keyPair);
                    }
                };
                // DNS-01, so that no HTTP port is shared
                managers.add(manager(pebble, pebble.directory().toString()).store(slowDisk)
                        .challenges(new ChallTestSrvDns(pebble)).domain(name + ".together.test").build());
            }
            var start = new CountDownLatch(1);
            var started = new ArrayList<Future<?>>();
            for (var manager : managers) {
                started.add(pool.submit(() -> {
                    start.await();
                    manager.start();
                    manager.awaitCertificates(Duration.ofSeconds(30));
                    return null;
                }));
            }
            start.countDown();
            for (var each : started) {
                each.get(60, TimeUnit.SECONDS);
            }
            for (var manager : managers) {
                var name = manager.status().get(0).name();
                assertThat(manager.certificate(name).orElseThrow().isSelfSigned()).as(name).isFalse();
            }
            assertThat(accountsCreatedBy(pebble) - accountsBefore).as("accounts Pebble created").isEqualTo(1);
        } finally {
            pool.shutdownNow();
            managers.forEach(CertificateManager::close);
        }
    }

    private static void sleep(Duration duration) throws IOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }

    /** Accounts Pebble created, from its log: it counts its accounts after each one it adds. */
    private static long accountsCreatedBy(Pebble pebble) {
        return pebble.log().lines().filter(line -> line.contains("accounts in memory")).count();
    }

    @Test
    void aDirectoryUrlThatAnswers404IsReportedAsSuchAndStoresNoAccountKey(Pebble pebble) throws Exception {
        var wrong = pebble.directory().resolve("/no-such-directory").toString();
        try (var manager = manager(pebble, wrong).domain("wrong.test").build()) {
            manager.start();

            assertThatThrownBy(() -> manager.awaitCertificates(Duration.ofSeconds(20)))
                    .isInstanceOf(AcmeServerException.class)
                    .hasMessageContaining("The ACME directory " + wrong + " does not answer as one")
                    .hasMessageContaining("404")
                    .hasMessageContaining("check the directory URL");
            assertThat(storage.resolve("accounts")).doesNotExist();
        }
    }

    @Test
    void anUnreadableAccountKeyIsReportedWithWhatToDo(Pebble pebble) throws Exception {
        Files.createDirectories(accountKey(pebble).getParent());
        Files.writeString(accountKey(pebble), "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        try (var manager = manager(pebble, pebble.directory().toString()).domain("unreadable.test").build()) {
            manager.start();

            assertThatThrownBy(() -> manager.awaitCertificates(Duration.ofSeconds(20)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining(accountKey(pebble).toString())
                    .hasMessageContaining("Restore it from a backup, or move it away to register a new account");
        }
    }
}
