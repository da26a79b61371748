package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.certpilot.core.internal.base.KeyPairs;
import dev.certpilot.core.internal.tls.SelfSigned;

class CertificateBundleTest {

    private final Instant now = Instant.parse("2026-11-22T00:00:00Z");
    private final CertificateBundle bundle = SelfSigned.bundle("wild", KeyType.RSA_2048.generate(), now,
            Duration.ofDays(90), "*.wild.test", "wild.test");

    @Test
    void wildcardsCoverExactlyOneLabel() {
        assertThat(bundle.covers("API.wild.test")).isTrue();
        assertThat(bundle.covers("wild.test")).isTrue();
        assertThat(bundle.covers("a.b.wild.test")).isFalse();
        assertThat(bundle.covers("other.test")).isFalse();
    }

    @Test
    void validityFollowsTheLeaf() {
        assertThat(bundle.isValidAt(now)).isTrue();
        assertThat(bundle.isValidAt(now.minusSeconds(1))).isFalse();
        assertThat(bundle.isValidAt(now.plus(Duration.ofDays(90)))).isFalse();
    }

    @Test
    void theKeyStoreViewHoldsTheKeyAndChainUnderTheName() throws Exception {
        var password = "changeit".toCharArray();
        var keyStore = bundle.toKeyStore(password);

        assertThat(keyStore.getType()).isEqualTo("PKCS12");
        assertThat(((PrivateKey) keyStore.getKey("wild", password)).getEncoded())
                .isEqualTo(bundle.privateKey().getEncoded());
        assertThat((X509Certificate) keyStore.getCertificateChain("wild")[0]).isEqualTo(bundle.leaf());
    }

    @Test
    void aPrivateKeyIsToldFromAnotherOfTheSameKind() {
        for (var type : java.util.List.of(KeyType.EC_P256, KeyType.EC_P384, KeyType.RSA_2048)) {
            var bundle = SelfSigned.bundle("shop", type.generate(), java.time.Instant.now(), java.time.Duration.ofDays(1),
                    "shop.test");

            assertThat(KeyPairs.matches(bundle.leaf().getPublicKey(), bundle.privateKey())).as(type + ": its own")
                    .isTrue();
            assertThat(KeyPairs.matches(bundle.leaf().getPublicKey(), type.generate().getPrivate()))
                    .as(type + ": another").isFalse();
        }
    }

    @Test
    void toStringNeverShowsThePrivateKey() {
        var encoded = Base64.getEncoder().encodeToString(bundle.privateKey().getEncoded()).substring(0, 40);

        assertThat(bundle.toString()).contains("wild", SerialNumbers.hex(bundle.serialNumber()))
                .doesNotContain(encoded).doesNotContainIgnoringCase("modulus").doesNotContainIgnoringCase("exponent");
    }
}
