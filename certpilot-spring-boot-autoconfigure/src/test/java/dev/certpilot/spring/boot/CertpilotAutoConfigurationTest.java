package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * The auto-configuration's beans, its back-off, and a wrong value reported as the property and its fix. No CA is
 * contacted: the manager is only prepared (the bootstrap certificate) until the web server starts it.
 */
@ExtendWith(OutputCaptureExtension.class)
class CertpilotAutoConfigurationTest {

    @TempDir
    Path storage;

    private ApplicationContextRunner runner() {
        return CertpilotContexts.runner(storage);
    }

    @Test
    void makesAPreparedManagerAndRegistersItsCertificateAsTheCertpilotBundle() {
        runner().run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CertificateManager.class);
            var manager = context.getBean(CertificateManager.class);
            assertThat(manager.managedCertificates()).singleElement()
                    .satisfies(c -> assertThat(c.domains()).containsExactly("app.example.test"));
            var bundle = context.getBean(org.springframework.boot.ssl.SslBundles.class).getBundle("certpilot");
            var alias = bundle.getKey().getAlias();
            var served = (java.security.cert.X509Certificate) bundle.getStores().getKeyStore().getCertificate(alias);
            assertThat(served.getSerialNumber()).as("the bootstrap certificate, until the CA's")
                    .isEqualTo(manager.certificate("app.example.test").orElseThrow().serialNumber());
            assertThat(bundle.getOptions().getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        });
    }

    @Test
    void thePreferredChainAndProfileReachTheCa() {
        runner().withPropertyValues("certpilot.preferred-chain=ISRG Root X2", "certpilot.profile=tlsserver")
                .run(context -> assertThat(context.getBean(CertificateManager.class).toString())
                        .contains("(profile tlsserver)").contains("(chain to ISRG Root X2)"));
    }

    @Test
    void aWildcardIsAcceptedWithDnsPersist01AndRefusedWithoutADnsChallenge() {
        runner().withPropertyValues("certpilot.domains=*.app.example.test", "certpilot.challenges=dns-persist-01")
                .run(context -> assertThat(context.getBean(CertificateManager.class).managedCertificates().get(0)
                        .domains()).containsExactly("*.app.example.test"));
        expectFault("certpilot.domains=*.app.example.test", "certpilot.domains", "dns-persist-01");
    }

    @Test
    void backsOffWhenTheApplicationBuildsItsOwnManager() {
        runner().withUserConfiguration(OwnManager.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CertificateManager.class);
            assertThat(context.getBean(CertificateManager.class).managedCertificates().get(0).name())
                    .isEqualTo("own");
        });
    }

    @Test
    void doesNothingWhenDisabled() {
        runner().withPropertyValues("certpilot.enabled=false", "certpilot.ca=nonsense")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CertificateManager.class));
    }

    @Test
    void namesThePropertyAndTheFixForEachWrongValue() {
        expectFault("certpilot.ca=nonsense", "certpilot.ca", "lets-encrypt, lets-encrypt-staging, zerossl");
        expectFault("certpilot.accept-terms=false", "certpilot.accept-terms", "certpilot.accept-terms=true");
        expectFault("certpilot.domains=", "certpilot.domains", "certpilot.domains=example.com");
        expectFault("certpilot.domains=not a name", "certpilot.domains", "Set certpilot.domains");
        expectFault("certpilot.challenges=tls-alpn-01", "certpilot.challenges", "certpilot.challenges=http-01");
        expectFault("certpilot.ca=zerossl", "certpilot.eab.key-id", "certpilot.eab.hmac-key");
        expectFault("certpilot.eab.key-id=kid-1", "certpilot.eab.hmac-key", "certpilot.eab.hmac-key");
        expectFault("certpilot.email=nobody", "certpilot.email", "ops@example.com");
        expectFault("certpilot.renewal.window=1.5", "certpilot.renewal.window", "between 0 and 1");
        expectFault("certpilot.ca-trust=/no/such/file.pem", "certpilot.ca-trust", "PEM file");
        expectFault("certpilot.default-certificate=other", "certpilot.default-certificate", "app.example.test");
        expectFault("certpilot.profile=short lived", "certpilot.profile", "tlsserver or shortlived");
        expectFault("certpilot.storage.type=jdbc", "certpilot.storage.type", "spring.datasource.url");
        expectFault("certpilot.storage.encryption-key=" + "A".repeat(43) + "=", "certpilot.storage.encryption-key",
                "certpilot.storage.type=jdbc");
        expectFault("certpilot.storage.lease-duration=1s", "certpilot.storage.lease-duration", "at least 3s");
        expectFault("certpilot.storage.poll-interval=0s", "certpilot.storage.poll-interval", "positive duration");
    }

    private void expectFault(String setting, String property, String action) {
        CertpilotContexts.expectFault(runner(), property, action, setting);
    }

    @Test
    void aWrongValueStopsStartUpWithAReportInsteadOfAStackTrace(CapturedOutput output) {
        var app = new SpringApplication(Empty.class);
        app.setDefaultProperties(java.util.Map.of("spring.main.web-application-type", "none"));
        var failed = false;
        try (var context = app.run("--certpilot.domains=app.example.test", "--certpilot.accept-terms=true",
                "--certpilot.ca=lets-encrypt-prod", "--certpilot.storage.directory=" + storage)) {
            context.getBean(CertificateManager.class);
        } catch (RuntimeException expected) {
            failed = true;
        }
        assertThat(failed).isTrue();
        assertThat(output.toString()).contains("APPLICATION FAILED TO START")
                .contains("certpilot cannot start: certpilot.ca: 'lets-encrypt-prod' is not a CA")
                .contains("Action:").contains("Set certpilot.ca to lets-encrypt, lets-encrypt-staging, zerossl");
    }

    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.EnableAutoConfiguration
    static class Empty {
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnManager {

        @Bean(destroyMethod = "close")
        CertificateManager ownManager(InMemoryHttp01Responder http01) {
            return CertificateManager.builder().certificateAuthority(CertificateAuthority.of("https://127.0.0.1:1/d"))
                    .agreeToTermsOfService().certificate("own", "own.example.test").challenges(http01)
                    .storageDirectory(Path.of(System.getProperty("java.io.tmpdir"), "certpilot-own-" + ProcessHandle
                            .current().pid())).build();
        }
    }
}
