package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process replacing a certificate in a loop is killed with SIGKILL at a random moment: the next load
 * finds a complete certificate, old or new, whose key matches it.
 */
class StoreCrashTest {

    @TempDir
    Path storage;

    @RepeatedTest(4)
    void aProcessKilledWhileStoringLeavesACompleteCertificate() throws Exception {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StoreWriter.class.getName(), storage.toString()).redirectErrorStream(true).start();
        try (var output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(output.readLine()).isEqualTo("writing");
            Thread.sleep(ThreadLocalRandom.current().nextLong(20, 300));
            process.destroyForcibly();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }

        var bundle = new FileCertificateStore(storage).load("shop").orElseThrow();

        assertThat(bundle.domains()).containsExactly("shop.test");
        var algorithm = bundle.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        var signer = Signature.getInstance(algorithm);
        signer.initSign(bundle.privateKey());
        signer.update(new byte[] {1, 2, 3});
        var signature = signer.sign();
        var verifier = Signature.getInstance(algorithm);
        verifier.initVerify(bundle.leaf().getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).as("the key belongs to the certificate").isTrue();
    }
}
