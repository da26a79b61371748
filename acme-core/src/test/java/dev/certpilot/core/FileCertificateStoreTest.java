package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCertificateStoreTest {

    @TempDir
    Path root;

    private final Instant now = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void aSavedBundleLoadsBackEqual() throws IOException {
        var store = new FileCertificateStore(root);
        var bundle = TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test", "www.shop.test");

        store.save(bundle);

        var loaded = store.load("shop").orElseThrow();
        assertThat(loaded.domains()).containsExactly("shop.test", "www.shop.test");
        assertThat(loaded.chain()).isEqualTo(bundle.chain());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(bundle.privateKey().getEncoded());
        assertThat(store.load("other")).isEmpty();
    }

    @Test
    void rsaKeysRoundTripToo() throws IOException {
        var store = new FileCertificateStore(root);
        var bundle = TestCertificates.bundle("rsa", KeyType.RSA_2048.generate(), now, Duration.ofDays(1), "rsa.test");

        store.save(bundle);

        assertThat(store.load("rsa").orElseThrow().privateKey().getEncoded())
                .isEqualTo(bundle.privateKey().getEncoded());
    }

    @Test
    void saveReplacesTheWholeEntryAndLeavesNoStagingBehind() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var second = TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test");

        store.save(second);

        assertThat(store.load("shop").orElseThrow().serialNumber()).isEqualTo(second.serialNumber());
        try (var entries = Files.list(root.resolve("certificates"))) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("shop");
        }
    }

    @Test
    void aCrashWhileWritingTheNewFilesLeavesTheOldCertificate() throws IOException {
        var store = new FileCertificateStore(root);
        var old = TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test");
        store.save(old);
        // the process died half-way through writing the staging directory
        var staging = Files.createDirectory(root.resolve("certificates/.staging-shop"));
        Files.writeString(staging.resolve("privkey.pem"), "-----BEGIN PRIVATE KEY-----\nMIGH");

        assertThat(new FileCertificateStore(root).load("shop").orElseThrow().serialNumber())
                .isEqualTo(old.serialNumber());
        assertThat(staging).doesNotExist();
    }

    @Test
    void aCrashBetweenTheTwoRenamesCompletesTheNewCertificate() throws IOException {
        var store = new FileCertificateStore(root);
        var old = TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test");
        var fresh = TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test");
        store.save(fresh);
        var certificates = root.resolve("certificates");
        // rebuild the state after "live -> previous" and before "staging -> live"
        Files.move(certificates.resolve("shop"), certificates.resolve(".staging-shop"));
        store.save(TestCertificates.bundle("tmp", now, Duration.ofDays(1), "tmp.test"));
        new FileCertificateStore(certificates.resolve("x")).save(old);
        Files.move(certificates.resolve("x/certificates/shop"), certificates.resolve(".previous-shop"),
                StandardCopyOption.ATOMIC_MOVE);

        var loaded = new FileCertificateStore(root).load("shop").orElseThrow();

        assertThat(loaded.serialNumber()).isEqualTo(fresh.serialNumber());
        assertThat(certificates.resolve(".staging-shop")).doesNotExist();
        assertThat(certificates.resolve(".previous-shop")).doesNotExist();
    }

    @Test
    void aCrashAfterMovingTheOldAsideButWithIncompleteStagingRestoresTheOld() throws IOException {
        var store = new FileCertificateStore(root);
        var old = TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test");
        store.save(old);
        var certificates = root.resolve("certificates");
        Files.move(certificates.resolve("shop"), certificates.resolve(".previous-shop"));
        Files.createDirectory(certificates.resolve(".staging-shop"));

        assertThat(new FileCertificateStore(root).load("shop").orElseThrow().serialNumber())
                .isEqualTo(old.serialNumber());
    }

    @Test
    void aCorruptedFileIsReportedWithItsPathAndKept() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var fullchain = root.resolve("certificates/shop/fullchain.pem");
        Files.writeString(fullchain, "-----BEGIN CERTIFICATE-----\ntruncated");

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(IOException.class)
                .hasMessageContaining(fullchain.toString());
        assertThat(fullchain).exists();
    }

    @Test
    void aMissingFileIsReportedWithItsPath() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(TestCertificates.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var key = root.resolve("certificates/shop/privkey.pem");
        Files.delete(key);

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(IOException.class)
                .hasMessageContaining(key.toString()).hasMessageContaining("missing");
    }

    @Test
    void accountKeysRoundTripAndAreReplacedAtomically() throws IOException {
        var store = new FileCertificateStore(root);
        var first = KeyType.EC_P256.generate();
        var second = KeyType.EC_P256.generate();

        assertThat(store.loadAccountKey("ca.test-dir")).isEmpty();
        store.saveAccountKey("ca.test-dir", first);
        store.saveAccountKey("ca.test-dir", second);

        var loaded = store.loadAccountKey("ca.test-dir").orElseThrow();
        assertThat(loaded.getPublic()).isEqualTo(second.getPublic());
        assertThat(loaded.getPrivate().getEncoded()).isEqualTo(second.getPrivate().getEncoded());
        try (var files = Files.list(root.resolve("accounts/ca.test-dir"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("account.key");
        }
    }

    @Test
    void namesThatWouldEscapeTheDirectoryAreRefused() {
        var store = new FileCertificateStore(root);

        assertThatThrownBy(() -> store.load("../etc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.loadAccountKey("../x")).isInstanceOf(IllegalArgumentException.class);
    }
}
