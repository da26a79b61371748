package dev.certpilot.test.conformance;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
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

import dev.certpilot.core.CertificateBundle;

/**
 * Self-signed certificate bundles for store tests: what a store keeps, without a CA. Stateless; thread-safe.
 */
public final class TestBundles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestBundles() {
    }

    /**
     * A new EC P-256 key pair.
     *
     * @return the key pair
     */
    public static KeyPair ecKeys() {
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new RSA 2048 key pair.
     *
     * @return the key pair
     */
    public static KeyPair rsaKeys() {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A bundle called {@code name} for {@code domains}, valid from an hour ago for 90 days, on a new EC key.
     *
     * @param name the bundle's name
     * @param domains its domains
     * @return the bundle
     */
    public static CertificateBundle bundle(String name, String... domains) {
        return bundle(name, ecKeys(), Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(90), domains);
    }

    /**
     * A bundle called {@code name} for {@code domains} on {@code keys}, valid from {@code notBefore}.
     *
     * @param name the bundle's name
     * @param keys its key pair
     * @param notBefore the start of its validity
     * @param validity how long it lasts
     * @param domains its domains
     * @return the bundle
     */
    public static CertificateBundle bundle(String name, KeyPair keys, Instant notBefore, Duration validity,
                                           String... domains) {
        try {
            var names = new GeneralName[domains.length];
            for (int i = 0; i < domains.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, domains[i]);
            }
            var subject = new X500Principal("CN=" + domains[0]);
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            var algorithm = keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            var certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())));
            return new CertificateBundle(name, List.of(domains), List.of(certificate), keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("Cannot make a test certificate", e);
        }
    }
}
