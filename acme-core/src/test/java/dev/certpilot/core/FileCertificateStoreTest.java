package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.store.FileOperations;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.core.spi.StoredCertificate;

class FileCertificateStoreTest {

    @TempDir
    Path root;

    private final Instant now = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void theChangeFeedReadsTheJournalsNewLinesAndSendsReadersBackToTheListingAfterARewrite() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var start = store.position();
        var blog = SelfSigned.bundle("blog", now, Duration.ofDays(30), "blog.test");
        store.save(blog);
        var journal = root.resolve("certificates/.listing");
        Files.writeString(journal, "+\tnews\t1f", java.nio.file.StandardOpenOption.APPEND); // an append under way

        var changes = store.changesSince(start).orElseThrow();

        assertThat(changes.saved()).containsExactly(StoredCertificate.of(blog));
        assertThat(changes.position()).as("up to the last whole line").endsWith(":" + (Files.size(journal) - 9));

        Files.delete(journal); // rewritten at the next listing, with a new generation
        assertThat(store.list()).hasSize(2);
        assertThat(store.changesSince(changes.position())).as("out of reach: list again").isEmpty();
        assertThat(store.changesSince("not a position")).isEmpty();
    }

    @Test
    void aSavedBundleLoadsBackEqual() throws IOException {
        var store = new FileCertificateStore(root);
        var bundle = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test", "www.shop.test");

        store.save(bundle);

        var loaded = store.load("shop").orElseThrow();
        assertThat(loaded.domains()).containsExactly("shop.test", "www.shop.test");
        assertThat(loaded.chain()).isEqualTo(bundle.chain());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(bundle.privateKey().getEncoded());
        assertThat(store.load("other")).isEmpty();
    }

    @Test
    void theListingReadsItsJournalAndCatchesUpWithCertificatesWrittenWithoutIt() throws IOException {
        var store = new FileCertificateStore(root);
        var shop = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test", "www.shop.test");
        var blog = SelfSigned.bundle("blog", now, Duration.ofDays(30), "blog.test");
        store.save(shop);
        store.save(blog);
        var journal = root.resolve("certificates/.listing");
        assertThat(Files.readAllLines(journal)).hasSize(2);

        Files.delete(journal); // a store written by an older version
        copyDirectory(root.resolve("certificates/blog"), root.resolve("certificates/copy")); // copied in by hand
        Files.writeString(root.resolve("certificates/copy/metadata.json"), Files.readString(
                root.resolve("certificates/copy/metadata.json")).replace("\"blog\"", "\"copy\""));

        assertThat(store.list()).containsExactlyInAnyOrder(StoredCertificate.of(shop), StoredCertificate.of(blog),
                new StoredCertificate("copy", blog.domains(), blog.serialNumber(), blog.notBefore(), blog.notAfter()));
        assertThat(Files.readAllLines(journal)).as("rewritten, with a new generation at its head").hasSize(4)
                .first().asString().startsWith("#\t");

        FileOperations.deleteRecursively(root.resolve("certificates/copy")); // removed by hand
        try (var lease = store.tryLease("blog", Duration.ofSeconds(10)).orElseThrow()) {
            store.delete("blog", lease);
        }
        assertThat(store.list()).containsExactly(StoredCertificate.of(shop));
    }

    @Test
    void aTornOrOvergrownJournalIsRewrittenAndListsTheSame() throws IOException {
        var store = new FileCertificateStore(root);
        var shop = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test");
        store.save(shop);
        var journal = root.resolve("certificates/.listing");
        var line = Files.readString(journal);
        Files.writeString(journal, line.repeat(1500) + "+\tsho", java.nio.file.StandardOpenOption.APPEND);

        assertThat(store.list()).containsExactly(StoredCertificate.of(shop));
        assertThat(Files.readString(journal)).matches("#\t[0-9a-f-]{36}\n" + java.util.regex.Pattern.quote(line));
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectory(to);
        try (var files = Files.list(from)) {
            for (var file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    @Test
    void rsaKeysRoundTripToo() throws IOException {
        var store = new FileCertificateStore(root);
        var bundle = SelfSigned.bundle("rsa", KeyType.RSA_2048.generate(), now, Duration.ofDays(1), "rsa.test");

        store.save(bundle);

        assertThat(store.load("rsa").orElseThrow().privateKey().getEncoded())
                .isEqualTo(bundle.privateKey().getEncoded());
    }

    @Test
    void saveReplacesTheWholeEntryAndLeavesNoStagingBehind() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var second = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test");

        store.save(second);

        assertThat(store.load("shop").orElseThrow().serialNumber()).isEqualTo(second.serialNumber());
        try (var entries = Files.list(root.resolve("certificates"))) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("the entry, the store's revision and its listing")
                    .containsExactlyInAnyOrder("shop", ".revision", ".listing");
        }
    }

    @Test
    void aCrashWhileWritingTheNewFilesLeavesTheOldCertificate() throws IOException {
        var store = new FileCertificateStore(root);
        var old = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test");
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
        var old = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test");
        var fresh = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test");
        store.save(fresh);
        var certificates = root.resolve("certificates");
        // rebuild the state after "live -> previous" and before "staging -> live"
        Files.move(certificates.resolve("shop"), certificates.resolve(".staging-shop"));
        store.save(SelfSigned.bundle("tmp", now, Duration.ofDays(1), "tmp.test"));
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
        var old = SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test");
        store.save(old);
        var certificates = root.resolve("certificates");
        Files.move(certificates.resolve("shop"), certificates.resolve(".previous-shop"));
        Files.createDirectory(certificates.resolve(".staging-shop"));

        assertThat(new FileCertificateStore(root).load("shop").orElseThrow().serialNumber())
                .isEqualTo(old.serialNumber());
    }

    @Test
    void aCorruptedCertificateIsReportedWithItsPathAndMovedAsideNotDeleted() throws IOException {
        var store = new FileCertificateStore(root, Clock.fixed(Instant.parse("2026-11-22T10:15:30Z"), ZoneOffset.UTC));
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var fullchain = root.resolve("certificates/shop/fullchain.pem");
        Files.writeString(fullchain, "-----BEGIN CERTIFICATE-----\ntruncated");

        var aside = root.resolve("corrupt/shop-20261122T101530Z");
        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(CorruptedEntryException.class)
                .hasMessageContaining(fullchain.toString())
                .hasMessageContaining("moved aside to " + aside)
                .satisfies(e -> assertThat(((CorruptedEntryException) e).movedTo()).isEqualTo(aside.toString()));
        assertThat(aside.resolve("fullchain.pem")).hasContent("-----BEGIN CERTIFICATE-----\ntruncated");
        assertThat(aside.resolve("privkey.pem")).exists();
        assertThat(store.load("shop")).as("the name is free for a new certificate").isEmpty();
    }

    @Test
    void whatACorruptedFileHoldsIsQuotedOnOneLineAndCapped() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var garbage = ("<html>\n<body>an error page saved over the file, line after line</body>\n").repeat(40);
        Files.writeString(root.resolve("certificates/shop/metadata.json"), garbage);
        Files.writeString(root.resolve("certificates/shop/fullchain.pem"), garbage);

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(CorruptedEntryException.class)
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n")
                        .hasSizeLessThan(1000));
    }

    @Test
    void aPrivateKeyReplacedByAnotherValidKeyIsACorruptionNotServed() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var privkey = root.resolve("certificates/shop/privkey.pem");
        Files.writeString(privkey, Pem.privateKey(KeyType.EC_P256.generate().getPrivate())); // a bad restore

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(CorruptedEntryException.class)
                .hasMessageContaining(privkey + " holds a EC key that does not belong to the EC key of the certificate");
        assertThat(store.load("shop")).as("moved aside: obtained again").isEmpty();
    }

    @Test
    void aMissingFileIsACorruptionNamingIt() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var key = root.resolve("certificates/shop/privkey.pem");
        Files.delete(key);

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(CorruptedEntryException.class)
                .hasMessageContaining(key + " is missing");
    }

    @Test
    void anUnreadableFileIsAStorageFailureAndStaysInPlace() throws IOException {
        var store = new FileCertificateStore(root);
        store.save(SelfSigned.bundle("shop", now, Duration.ofDays(90), "shop.test"));
        var key = root.resolve("certificates/shop/privkey.pem");
        Files.delete(key);
        Files.createDirectory(key); // reading a directory fails with an I/O error, as a failing disk would

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(IOException.class)
                .isNotInstanceOf(CorruptedEntryException.class);
        assertThat(root.resolve("certificates/shop")).isDirectory();
        assertThat(root.resolve("corrupt")).doesNotExist();
    }

    @Test
    void aLeaseIsAFileThatNamesItsHolderAndExcludesOtherStoreInstancesOfThisProcessUntilClosed() throws Exception {
        var first = new FileCertificateStore(root);
        var second = new FileCertificateStore(root);

        try (var held = first.tryLease("shop", Duration.ofMinutes(1)).orElseThrow()) {
            assertThat(Files.readString(root.resolve("locks/shop.lease")))
                    .contains(" " + ProcessHandle.current().pid() + " ");
            assertThat(second.tryLease("shop", Duration.ofMinutes(1))).isEmpty();
            assertThat(held.expiresAt()).isAfter(java.time.Instant.now().plusSeconds(50));
        }
        assertThat(root.resolve("locks/shop.lease")).doesNotExist();
        assertThat(second.tryLease("shop", Duration.ofMinutes(1))).isPresent();
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

    @Test
    void aSymbolicLinkPlantedAtALockFileCreatesNothingOutsideTheStore() throws IOException {
        var store = new FileCertificateStore(root);
        Files.createDirectories(root.resolve("locks"));
        var outside = root.getParent().resolve(root.getFileName() + "-outside");
        Files.createDirectories(outside);
        var target = outside.resolve("created-by-the-store");
        Files.createSymbolicLink(root.resolve("locks/shop.lock"), target);

        assertThatThrownBy(() -> store.tryLease("shop", Duration.ofSeconds(10))).isInstanceOf(IOException.class);
        assertThat(target).as("nothing created through the link").doesNotExist();

        Files.delete(root.resolve("locks/shop.lock"));
        try (var lease = store.tryLease("shop", Duration.ofSeconds(10)).orElseThrow()) {
            assertThat(lease).isNotNull();
        }
        Files.delete(target.getParent());
    }

    @Test
    void aReadOnlyOrWorldWritableRootIsReportedWithTheFix() throws IOException {
        var store = new FileCertificateStore(root);
        assertThat(store.warnings()).as("a private, writable root").isEmpty();

        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(store.warnings()).singleElement().asString().contains("writable by every user")
                .contains("chmod 700 " + root);

        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-x------"));
        try {
            assertThat(store.unfit()).hasValueSatisfying(message -> assertThat(message)
                    .contains("Storage directory " + root + " is not writable (mode r-x------)")
                    .contains("every start would order new certificates").contains("Not starting")
                    .contains("chmod 700 " + root));
            assertThat(new FileCertificateStore(root.resolve("not-yet")).unfit()).as("nor can it be created")
                    .hasValueSatisfying(message -> assertThat(message).contains("cannot be created: " + root));
        } finally {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(store.unfit()).isEmpty();
        assertThat(new FileCertificateStore(root.resolve("not-yet")).warnings()).as("created on first write").isEmpty();
        assertThat(new FileCertificateStore(root.resolve("not-yet")).unfit()).isEmpty();
    }
}
