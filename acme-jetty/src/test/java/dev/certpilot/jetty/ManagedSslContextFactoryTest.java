package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

class ManagedSslContextFactoryTest {

    @TempDir
    Path storage;

    @Test
    void trustsNoOneUnlessClientCertificatesAreAskedFor() throws Exception {
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:1/dir")).agreeToTermsOfService()
                .domain("shop.example.com").challenges(new InMemoryHttp01Responder()).storageDirectory(storage)
                .build()) {
            var factory = new ManagedSslContextFactory(manager);

            var none = factory.getTrustManagers(null, null);
            assertThat(none).singleElement().isInstanceOfSatisfying(X509TrustManager.class,
                    trust -> assertThat(trust.getAcceptedIssuers()).as("no cacerts read").isEmpty());

            factory.setWantClientAuth(true);
            assertThat(factory.getTrustManagers(null, null)).as("Jetty's own choice: the JDK's defaults").isNull();
        }
    }
}
