package dev.certpilot.core;

import java.nio.file.Path;
import java.time.Duration;

import dev.certpilot.core.internal.acme.Issuer;

/** Managers for tests with a CA replaced at the issuer boundary: checks and retries in milliseconds, on a test clock. */
final class FakeCaManagers {

    static final String CA = "https://ca.test/dir";

    private FakeCaManagers() {
    }

    /** A builder ordering from {@code issuer} (no network), storing in {@code storage}, reporting to {@code events}. */
    static CertificateManagerBuilder builder(Path storage, MutableClock clock, EventLog events, Issuer issuer) {
        var builder = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(CA))
                .agreeToTermsOfService()
                .challenges(new InMemoryHttp01Responder())
                .storageDirectory(storage)
                .clock(clock)
                .checkInterval(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .listener(events);
        builder.issuerDecorator = real -> issuer;
        return builder;
    }
}
