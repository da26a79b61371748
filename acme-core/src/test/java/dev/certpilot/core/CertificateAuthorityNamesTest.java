package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The CA names configuration files use, and nothing else: a typo never picks a CA. */
class CertificateAuthorityNamesTest {

    @Test
    void theDocumentedNamesAndHttpsUrls() {
        assertThat(CertificateAuthority.named("lets-encrypt")).isEqualTo(CertificateAuthority.LETS_ENCRYPT);
        assertThat(CertificateAuthority.named(" lets-encrypt-staging ")).isEqualTo(
                CertificateAuthority.LETS_ENCRYPT_STAGING);
        assertThat(CertificateAuthority.named("zerossl")).isEqualTo(CertificateAuthority.ZEROSSL);
        assertThat(CertificateAuthority.named("https://ca.example.test/dir").directory())
                .hasToString("https://ca.example.test/dir");
    }

    @Test
    void anythingElseIsRefusedWithTheNames() {
        for (var wrong : new String[] {"letsencrypt", "Lets-Encrypt", "lets-encrypt-prod", "", "http://ca.test/dir"}) {
            assertThatThrownBy(() -> CertificateAuthority.named(wrong)).as(wrong)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a CA")
                    .hasMessageContaining("lets-encrypt, lets-encrypt-staging, zerossl");
        }
    }
}
