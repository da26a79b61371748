package dev.certpilot.core;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A process that replaces one certificate in a {@link FileCertificateStore} over and over, to be killed in the
 * middle by {@link StoreCrashTest}. Prints {@code writing} once the first save has completed.
 */
final class StoreWriter {

    private StoreWriter() {
    }

    public static void main(String[] args) throws Exception {
        var store = new FileCertificateStore(Path.of(args[0]));
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
