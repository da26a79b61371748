package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Session;

import dev.certpilot.core.acme.AcmeClient;
import dev.certpilot.core.acme.TrustingAcmeProvider;
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
        return storage.resolve("accounts").resolve(AcmeClient.accountId(pebble.directory())).resolve("account.key");
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
                    .resolve(AcmeClient.accountId(pebble.directory()) + ".deactivated").resolve("account.key")))
                    .as("the old key is kept").isEqualTo(key);
        }
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
