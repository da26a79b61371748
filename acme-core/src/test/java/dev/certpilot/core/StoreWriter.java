package dev.certpilot.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import dev.certpilot.core.internal.tls.SelfSigned;

/**
 * A process for {@link StoreCrashTest} to kill: with {@code write}, it replaces one certificate in a
 * {@link FileCertificateStore} over and over and prints {@code writing} after the first save; with {@code lease},
 * it takes the certificate's lease for an hour, prints {@code leased} and holds it; with {@code swap}, it replaces the
 * certificate slowly by hand (see {@link #swapSlowly}).
 */
final class StoreWriter {

    private StoreWriter() {
    }

    /**
     * Replaces certificate {@code shop} as the store does, by hand and slowly: holding its guard, stages the new one,
     * moves the live one aside, prints {@code half-swapped <serial>}, waits until a line comes on its standard input,
     * then swaps the new one in. A rename fails (and the process exits non-zero) if anyone touched the swap
     * meanwhile.
     */
    private static void swapSlowly(FileCertificateStore store, Path root) throws Exception {
        var fresh = SelfSigned.bundle("shop", Instant.now(), Duration.ofDays(90), "shop.test");
        var scratch = Files.createTempDirectory("certpilot-scratch");
        new FileCertificateStore(scratch).save(fresh);
        var certificates = root.resolve("certificates");
        store.guarded("shop", () -> {
            Files.move(scratch.resolve("certificates/shop"), certificates.resolve(".staging-shop"));
            Files.move(certificates.resolve("shop"), certificates.resolve(".previous-shop"));
            System.out.println("half-swapped " + fresh.serialNumber().toString(16));
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
                    .readLine();
            Files.move(certificates.resolve(".staging-shop"), certificates.resolve("shop"));
            try (var old = Files.walk(certificates.resolve(".previous-shop"))) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
            return null;
        });
        System.out.println("done");
    }

    public static void main(String[] args) throws Exception {
        var store = new FileCertificateStore(Path.of(args[1]));
        if (args[0].equals("swap")) {
            swapSlowly(store, Path.of(args[1]));
            return;
        }
        if (args[0].equals("lease")) {
            try (var lease = store.tryLease("shop", Duration.ofHours(1)).orElseThrow()) {
                System.out.println("leased");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
        var bundles = new CertificateBundle[] {
            SelfSigned.bundle("shop", Instant.now(), Duration.ofDays(90), "shop.test"),
            SelfSigned.bundle("shop", KeyType.RSA_2048.generate(), Instant.now(), Duration.ofDays(90), "shop.test"),
        };
        store.save(bundles[0]);
        System.out.println("writing");
        System.out.flush();
        for (long i = 1; ; i++) {
            store.save(bundles[(int) (i % 2)]);
        }
    }
}
