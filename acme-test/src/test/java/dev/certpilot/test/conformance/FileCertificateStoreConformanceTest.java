package dev.certpilot.test.conformance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.spi.CertificateStore;

/** The file store against the conformance kit, on a new folder per test. */
class FileCertificateStoreConformanceTest extends CertificateStoreConformance {

    @TempDir
    Path folder;
    private Path root;
    private int stores;

    @Override
    protected CertificateStore newStore() {
        root = folder.resolve("store-" + stores++);
        return new FileCertificateStore(root);
    }

    @Override
    protected CertificateStore sameBackend() {
        return new FileCertificateStore(root);
    }

    @Override
    protected void corrupt(String name) throws Exception {
        Files.writeString(root.resolve("certificates").resolve(name).resolve("privkey.pem"), "not a key",
                StandardCharsets.US_ASCII);
    }

    /**
     * Writes the new entry into a staging folder (a second store saves it in a scratch folder, then it is moved in)
     * and moves the live one aside: a crash between the store's two renames.
     */
    @Override
    protected void crashWhileSaving(CertificateBundle bundle) throws Exception {
        var scratch = folder.resolve("scratch-" + stores++);
        var other = new FileCertificateStore(scratch);
        try (var lease = other.tryLease(bundle.name(), Duration.ofSeconds(10)).orElseThrow()) {
            other.save(bundle, lease);
        }
        var certificates = root.resolve("certificates");
        Files.move(scratch.resolve("certificates").resolve(bundle.name()),
                certificates.resolve(".staging-" + bundle.name()));
        Files.move(certificates.resolve(bundle.name()), certificates.resolve(".previous-" + bundle.name()));
    }
}
