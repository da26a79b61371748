package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;

/**
 * {@code certpilot.fallback-ca}: a second CA in one line, after the first in the manager's order, with its own
 * External Account Binding; ZeroSSL without it is refused by property. No CA is contacted.
 */
class FallbackCaTest {

    @TempDir
    Path storage;

    private ApplicationContextRunner runner() {
        return CertpilotContexts.runner(storage).withPropertyValues("certpilot.ca=lets-encrypt");
    }

    @Test
    void aSecondCaInOneLineComesAfterTheFirst() {
        runner().withPropertyValues("certpilot.fallback-ca=zerossl", "certpilot.fallback-eab.key-id=kid-1",
                "certpilot.fallback-eab.hmac-key=" + "a".repeat(43)).run(context -> {
                    assertThat(context).hasNotFailed();
                    var manager = context.getBean(CertificateManager.class).toString();
                    var letsEncrypt = manager.indexOf(CertificateAuthority.LETS_ENCRYPT.directory().toString());
                    var zeroSsl = manager.indexOf(CertificateAuthority.ZEROSSL.directory().toString());
                    assertThat(letsEncrypt).as(manager).isNotNegative();
                    assertThat(zeroSsl).as("the fallback, second: " + manager).isGreaterThan(letsEncrypt);
                });
    }

    @Test
    void zeroSslAsTheFallbackWithoutItsCredentialsNamesTheProperty() {
        CertpilotContexts.expectFault(runner(), "certpilot.fallback-eab.key-id", "ZeroSSL's developer console",
                "certpilot.fallback-ca=zerossl");
        CertpilotContexts.expectFault(runner(), "certpilot.fallback-ca", "lets-encrypt, zerossl",
                "certpilot.fallback-ca=lets-encrpyt");
    }
}
