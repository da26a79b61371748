package dev.certpilot.core;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed bundles for tests that need a certificate but not a CA. */
final class TestCertificates {

    private TestCertificates() {
    }

    static CertificateBundle bundle(String name, Instant notBefore, Duration validity, String... domains) {
        return bundle(name, KeyType.EC_P256.generate(), notBefore, validity, domains);
    }

    static CertificateBundle bundle(String name, KeyPair keys, Instant notBefore, Duration validity,
                                    String... domains) {
        try {
            var subject = new X500Principal("CN=" + domains[0].replace("*", "wildcard"));
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()).abs()
                    .add(BigInteger.ONE), Date.from(notBefore), Date.from(notBefore.plus(validity)), subject,
                    keys.getPublic());
            var names = new GeneralName[domains.length];
            for (int i = 0; i < domains.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, domains[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            var algorithm = keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            var certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())));
            return new CertificateBundle(name, List.of(domains), List.of(certificate), keys.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
