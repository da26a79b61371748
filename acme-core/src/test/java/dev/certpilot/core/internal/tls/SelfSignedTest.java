package dev.certpilot.core.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;

import org.bouncycastle.asn1.ASN1OctetString;
import org.junit.jupiter.api.Test;

import dev.certpilot.core.KeyType;

class SelfSignedTest {

    @Test
    void theTlsAlpn01CertificateCarriesTheCriticalAcmeIdentifierAndTheNameSignedWithAnEcKey() throws Exception {
        var digest = MessageDigest.getInstance("SHA-256").digest("token.thumbprint".getBytes());
        var keys = KeyType.EC_P256.generate();
        var now = Instant.parse("2026-11-23T10:00:00Z");

        var certificate = SelfSigned.tlsAlpn01("shop.test", keys, digest, now);

        assertThat(certificate.getCriticalExtensionOIDs()).contains("1.3.6.1.5.5.7.1.31");
        var value = ASN1OctetString.getInstance(certificate.getExtensionValue("1.3.6.1.5.5.7.1.31")).getOctets();
        assertThat(Arrays.equals(ASN1OctetString.getInstance(value).getOctets(), digest))
                .as("extnValue is the DER OCTET STRING of the digest (RFC 8737)").isTrue();
        assertThat(certificate.getSubjectAlternativeNames()).containsExactly(java.util.List.of(2, "shop.test"));
        assertThat(certificate.getPublicKey()).isEqualTo(keys.getPublic());
        certificate.verify(keys.getPublic());
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        certificate.checkValidity(java.util.Date.from(now));
    }
}
