package dev.certpilot.core;

import java.math.BigInteger;
import java.io.IOException;
import java.security.GeneralSecurityException;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed certificates: the bootstrap certificate served before a certificate is obtained, so that an HTTPS
 * listener can start, and test fixtures.
 */
final class SelfSigned {

    /** How long a bootstrap certificate is valid; it is replaced as soon as the CA issues one. */
    static final Duration BOOTSTRAP_VALIDITY = Duration.ofDays(7);
    private static final String BOOTSTRAP_ORGANIZATION = "certpilot bootstrap";

    private SelfSigned() {
    }

    /**
     * A self-signed certificate for {@code certificate}'s domains with {@code keys} (of the manager's key type, so
     * that clients that accept only that kind get it too), valid from an hour before now.
     */
    static CertificateBundle bootstrap(ManagedCertificate certificate, KeyPair keys, Instant now) {
        var domains = certificate.domains().toArray(String[]::new);
        return bundle(certificate.name(), keys, now.minus(Duration.ofHours(1)), BOOTSTRAP_VALIDITY,
                BOOTSTRAP_ORGANIZATION, domains);
    }

    static CertificateBundle bundle(String name, Instant notBefore, Duration validity, String... domains) {
        return bundle(name, KeyType.EC_P256.generate(), notBefore, validity, domains);
    }

    static CertificateBundle bundle(String name, KeyPair keys, Instant notBefore, Duration validity,
                                    String... domains) {
        return bundle(name, keys, notBefore, validity, "certpilot", domains);
    }

    private static CertificateBundle bundle(String name, KeyPair keys, Instant notBefore, Duration validity,
                                            String organization, String... domains) {
        try {
            var subject = new X500Principal("CN=" + domains[0].replace("*", "wildcard") + ", O=" + organization);
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
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("Cannot create a self-signed certificate for " + name, e);
        }
    }
}
