package dev.certpilot.core;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A process for {@link StoreCrashTest} to kill: with {@code write}, it replaces one certificate in a
 * {@link FileCertificateStore} over and over and prints {@code writing} after the first save; with {@code lock},
 * it takes the certificate's lock, prints {@code locked} and holds it.
 */
final class StoreWriter {

    private StoreWriter() {
    }

    public static void main(String[] args) throws Exception {
        var store = new FileCertificateStore(Path.of(args[1]));
        if (args[0].equals("lock")) {
            try (var lock = store.lock("shop", Duration.ofSeconds(10))) {
                System.out.println("locked");
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
