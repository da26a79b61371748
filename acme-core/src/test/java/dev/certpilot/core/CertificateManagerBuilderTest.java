package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.certpilot.core.spi.Dns01Responder;

class CertificateManagerBuilderTest {

    private static final CertificateAuthority CA = CertificateAuthority.LETS_ENCRYPT_STAGING;

    @Test
    void aMissingCaIsNamedWithTheConstantsToUse() {
        assertThatThrownBy(() -> CertificateManager.builder().agreeToTermsOfService().domain("a.example")
                .challenges(new InMemoryHttp01Responder()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("LETS_ENCRYPT_STAGING");
    }

    @Test
    void termsOfServiceMustBeAccepted() {
        assertThatThrownBy(() -> CertificateManager.builder().certificateAuthority(CA).domain("a.example")
                .challenges(new InMemoryHttp01Responder()).build())
                .hasMessageContaining("agreeToTermsOfService()");
    }

    @Test
    void aWildcardWithoutDns01FailsAtBuildNamingTheName() {
        assertThatThrownBy(() -> CertificateManager.builder().certificateAuthority(CA).agreeToTermsOfService()
                .certificate("wild", "example.com", "*.example.com").challenges(new InMemoryHttp01Responder()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("*.example.com").hasMessageContaining("'wild'").hasMessageContaining("dns-01");
    }

    @Test
    void aWildcardWithDns01Builds() {
        Dns01Responder dns = new Dns01Responder() {
            @Override
            public void publish(String recordName, String value) {
            }

            @Override
            public void remove(String recordName, String value) {
            }
        };
        try (var manager = CertificateManager.builder().certificateAuthority(CA).agreeToTermsOfService()
                .certificate("wild", "*.example.com").challenges(new InMemoryHttp01Responder(), dns)
                .storageDirectory(Path.of("unused")).build()) {
            assertThat(manager.managedCertificates()).extracting(ManagedCertificate::name).containsExactly("wild");
        }
    }

    @Test
    void noChallengeResponderIsReportedWithAnExample() {
        assertThatThrownBy(() -> CertificateManager.builder().certificateAuthority(CA).agreeToTermsOfService()
                .domain("a.example").build()).hasMessageContaining("InMemoryHttp01Responder");
    }

    @Test
    void duplicateNamesDomainsAndResponderTypesAreRejected() {
        var builder = CertificateManager.builder().domain("a.example");
        assertThatThrownBy(() -> builder.certificate("a.example", "b.example")).hasMessageContaining("'a.example'");
        assertThatThrownBy(() -> builder.certificate("other", "A.example"))
                .hasMessageContaining("a.example").hasMessageContaining("'other'");
        assertThatThrownBy(() -> builder.challenges(new InMemoryHttp01Responder(), new InMemoryHttp01Responder()))
                .hasMessageContaining("http-01");
    }

    @Test
    void badValuesAreRejectedAtTheSetterNamingTheFieldAndValue() {
        var builder = CertificateManager.builder();
        assertThatThrownBy(() -> builder.email("ops at example")).hasMessageContaining("email")
                .hasMessageContaining("ops at example");
        assertThatThrownBy(() -> builder.networkTimeout(Duration.ZERO)).hasMessageContaining("networkTimeout")
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> CertificateAuthority.of("http://ca.example/dir")).hasMessageContaining("https")
                .hasMessageContaining("http://ca.example/dir");
        assertThatThrownBy(() -> new ExternalAccountBinding("kid", "not base64!")).hasMessageContaining("'kid'");
    }

    @Test
    void startAfterCloseIsRefused() {
        var manager = CertificateManager.builder().certificateAuthority(CA).agreeToTermsOfService()
                .domain("a.example").challenges(new InMemoryHttp01Responder()).storageDirectory(Path.of("unused"))
                .build();
        manager.close();
        manager.close();

        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void renewalSettingsNameTheFieldAndTheValue() {
        var builder = CertificateManager.builder();
        assertThatThrownBy(() -> builder.renewalWindow(1.5)).hasMessageContaining("renewalWindow")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> builder.renewalWindow(Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> builder.retryBackoff(Duration.ofHours(1), Duration.ofMinutes(1)))
                .hasMessageContaining("retryBackoff max (PT1M) must not be less than initial (PT1H)");
        assertThatThrownBy(() -> builder.retryBackoff(Duration.ZERO, Duration.ofMinutes(1)))
                .hasMessageContaining("retryBackoff initial must be positive");
        assertThatThrownBy(() -> builder.failoverAfter(0)).hasMessageContaining("failoverAfter must be at least 1");
        assertThatThrownBy(() -> builder.concurrentOrders(0)).hasMessageContaining("concurrentOrders must be 1 to 64");
        assertThatThrownBy(() -> builder.checkInterval(Duration.ofSeconds(-1))).hasMessageContaining("checkInterval");
        assertThatThrownBy(() -> builder.certificateAuthorities(CA, CertificateAuthority.LETS_ENCRYPT, CA))
                .hasMessageContaining(CA.directory() + " is listed twice");
        assertThatThrownBy(() -> CertificateManager.builder().certificateAuthority(CA).agreeToTermsOfService()
                .domain("a.example").defaultCertificate("b.example").challenges(new InMemoryHttp01Responder()).build())
                .hasMessageContaining("defaultCertificate('b.example') names no certificate; configured: [a.example]");
    }
}
