package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.tls.SelfSigned;

/**
 * Real processes killed with SIGKILL: one replacing a certificate in a loop, at a random moment (the next load
 * finds a complete certificate, old or new, whose key matches it), and one holding a certificate's lock (the lock
 * is free at once).
 */
class StoreCrashTest {

    @TempDir
    Path storage;

    @RepeatedTest(4)
    void aProcessKilledWhileStoringLeavesACompleteCertificate() throws Exception {
        var process = storeWriter("write");
        try (var output = output(process)) {
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

    @Test
    void aLeaseHeldByAnotherProcessOfThisHostEndsWhenThatProcessIsKilledNotAtItsExpiry() throws Exception {
        var process = storeWriter("lease");
        try (var output = output(process)) {
            assertThat(output.readLine()).isEqualTo("leased");
            var store = new FileCertificateStore(storage);
            assertThat(store.tryLease("shop", Duration.ofSeconds(10))).as("held for an hour").isEmpty();

            process.destroyForcibly();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();

            try (var lease = store.tryLease("shop", Duration.ofSeconds(10)).orElseThrow()) {
                assertThat(lease.name()).as("the dead process's lease is over").isEqualTo("shop");
            }
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aReaderWaitsForASwapThatAnotherProcessIsMakingInsteadOfCompletingOrUndoingIt() throws Exception {
        var store = new FileCertificateStore(storage);
        var old = SelfSigned.bundle("shop", java.time.Instant.now(), java.time.Duration.ofDays(90), "shop.test");
        store.save(old);
        var process = storeWriter("swap");
        try (var output = output(process)) {
            var line = output.readLine();
            assertThat(line).startsWith("half-swapped ");
            var reader = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                var loader = new java.util.concurrent.CompletableFuture<Thread>();
                var loading = reader.submit(() -> {
                    loader.complete(Thread.currentThread());
                    return store.load("shop").orElseThrow();
                });
                // the other process finishes its swap only when told: a load that returns the new certificate
                // waited for it, whatever the timing; one that completed or undid the swap would see the old one
                // or break the other process's renames
                awaitBlocked(loading, loader.get(10, TimeUnit.SECONDS));
                process.getOutputStream().write('\n');
                process.getOutputStream().flush();

                var loaded = loading.get(10, TimeUnit.SECONDS);
                assertThat(loaded.serialNumber().toString(16)).as("the other process's new certificate, once it is "
                        + "in").isEqualTo(line.substring("half-swapped ".length()));
            } finally {
                reader.shutdownNow();
            }
            assertThat(output.readLine()).isEqualTo("done");
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("its renames were not disturbed").isZero();
        } finally {
            process.destroyForcibly();
        }
    }

    private Process storeWriter(String mode) throws IOException {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the writer runs from the class path: this JVM's, and the module path the tests run certpilot on
        var classPath = Stream.of("java.class.path", "jdk.module.path").map(System::getProperty)
                .filter(path -> path != null && !path.isEmpty()).collect(Collectors.joining(File.pathSeparator));
        return new ProcessBuilder(java, "-cp", classPath, StoreWriter.class.getName(), mode, storage.toString())
                .redirectErrorStream(true).start();
    }

    /** Waits until the load waits for the other process's guard (or has returned, which the caller then sees). */
    private static void awaitBlocked(java.util.concurrent.Future<?> loading, Thread loader)
            throws InterruptedException {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!loading.isDone() && System.nanoTime() < deadline) {
            if (java.util.Arrays.stream(loader.getStackTrace()).anyMatch(frame ->
                    frame.getClassName().endsWith("FileGuards") && frame.getMethodName().equals("locked"))) {
                return;
            }
            Thread.sleep(5);
        }
        if (!loading.isDone()) {
            throw new AssertionError("the load neither waited for the other process's guard nor returned");
        }
    }

    private static BufferedReader output(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }
}
