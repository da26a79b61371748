package dev.certpilot.core;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.certpilot.core.internal.base.IpAddresses;

/** A fake CA's certificates for tests: a root of its own, and leaves it signs, as a real CA's chain is laid out. */
final class FakeCaCertificates {

    private final KeyPair caKeys = KeyType.EC_P256.generate();
    private final X509Certificate root;

    FakeCaCertificates(String name) {
        try {
            var subject = new X500Principal("CN=" + name + " Fake Root");
            var now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE, Date.from(now.minus(Duration
                    .ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, caKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            root = sign(builder, caKeys);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A chain, leaf first, for {@code names} and {@code key}, valid from {@code notBefore} for {@code validity}. */
    List<X509Certificate> issue(List<String> names, PublicKey key, Instant notBefore, Duration validity) {
        try {
            var builder = new JcaX509v3CertificateBuilder(root.getSubjectX500Principal(),
                    new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE), Date.from(notBefore),
                    Date.from(notBefore.plus(validity)), new X500Principal("CN=" + names.get(0).replace("*", "wild")
                    .replace(':', '-')), key);
            var alternatives = names.stream().map(name -> new GeneralName(IpAddresses.looksLikeIp(name)
                    ? GeneralName.iPAddress : GeneralName.dNSName, name)).toArray(GeneralName[]::new);
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    KeyPurposeId.id_kp_serverAuth));
            return List.of(sign(builder, caKeys), root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair keys) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }
}
