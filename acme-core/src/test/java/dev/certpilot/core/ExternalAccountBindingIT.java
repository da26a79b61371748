package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/** A Pebble that requires External Account Binding, as ZeroSSL and Google Trust Services do. */
class ExternalAccountBindingIT {

    private static final String KEY_ID = "kid-1";
    private static final String HMAC_KEY = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
    private static final String WRONG_HMAC_KEY = "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH";

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.externalAccountKey(KEY_ID, HMAC_KEY));

    @TempDir
    Path storage;

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    private final InMemoryHttp01Responder http01 = httpServer.responder();

    @Test
    void theRightKeyCreatesTheAccountAndACertificateIsIssued(Pebble pebble) throws Exception {
        try (var manager = manager(ca(pebble).withExternalAccountBinding(KEY_ID, HMAC_KEY), "eab-ok.test")) {
            CertificateManagerIT.startAndAwait(manager);

            var bundle = manager.certificate("eab-ok.test").orElseThrow();
            CertificateManagerIT.verifyChain(bundle.chain(), pebble);
        }
    }

    @Test
    void aWrongKeyFailsWithAnErrorNamingEabAndTheKeyId(Pebble pebble) {
        try (var manager = manager(ca(pebble).withExternalAccountBinding(KEY_ID, WRONG_HMAC_KEY), "eab-bad.test")) {
            assertThatThrownBy(() -> CertificateManagerIT.startAndAwait(manager))
                    .isInstanceOf(AcmeServerException.class)
                    .hasMessageContaining("External Account Binding")
                    .hasMessageContaining("'" + KEY_ID + "'")
                    .hasMessageNotContaining(WRONG_HMAC_KEY);
            assertThat(manager.certificate("eab-bad.test")).as("only the bootstrap certificate is served")
                    .hasValueSatisfying(b -> assertThat(b.isSelfSigned()).isTrue());
        }
    }

    @Test
    void noKeyAtAllFailsSayingTheCaRequiresEabAndHowToConfigureIt(Pebble pebble) {
        try (var manager = manager(ca(pebble), "eab-none.test")) {
            assertThatThrownBy(() -> CertificateManagerIT.startAndAwait(manager))
                    .isInstanceOfSatisfying(AcmeServerException.class, e -> assertThat(e.problemType())
                            .contains("urn:ietf:params:acme:error:externalAccountRequired"))
                    .hasMessageContaining("requires External Account Binding")
                    .hasMessageContaining("withExternalAccountBinding");
        }
    }

    @Test
    void theHmacKeyNeverAppearsInToString() {
        var ca = CertificateAuthority.of("https://ca.example/dir").withExternalAccountBinding(KEY_ID, HMAC_KEY);

        assertThat(ca.toString()).contains(KEY_ID).doesNotContain(HMAC_KEY);
        assertThat(ca.eab().toString()).contains(KEY_ID).doesNotContain(HMAC_KEY);
    }

    private static CertificateAuthority ca(Pebble pebble) {
        return CertificateAuthority.of(pebble.directory().toString()).withTrustedCertificates(pebble.listenerCa());
    }

    private CertificateManager manager(CertificateAuthority ca, String domain) {
        return CertificateManager.builder().certificateAuthority(ca).agreeToTermsOfService().domain(domain)
                .challenges(http01).storageDirectory(storage).issuanceTimeout(Duration.ofSeconds(60)).build();
    }
}
