package dev.certpilot.test;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS certificate of Pebble's own HTTPS listeners (ACME and management): a throw-away EC P-256 CA
 * and a leaf for {@code localhost} and {@code 127.0.0.1}, made fresh for every run.
 */
final class ListenerCertificates {

    private static final Duration VALIDITY = Duration.ofDays(2);

    private final X509Certificate ca;
    private final Path certificateFile;
    private final Path privateKeyFile;

    private ListenerCertificates(X509Certificate ca, Path certificateFile, Path privateKeyFile) {
        this.ca = ca;
        this.certificateFile = certificateFile;
        this.privateKeyFile = privateKeyFile;
    }

    /** Generates the CA and the leaf, writing the leaf's certificate and key as PEM files in {@code dir}. */
    static ListenerCertificates generate(Path dir) throws IOException {
        try {
            var random = new SecureRandom();
            var caKeys = ecKeyPair(random);
            var caName = new X500Principal("CN=certpilot test listener CA " + Long.toHexString(random.nextLong()));
            var notBefore = Instant.now().minus(Duration.ofHours(1));
            var notAfter = notBefore.plus(VALIDITY);

            var caBuilder = new JcaX509v3CertificateBuilder(caName, serial(random), Date.from(notBefore),
                    Date.from(notAfter), caName, caKeys.getPublic());
            caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            var ca = sign(caBuilder, caKeys);

            var leafKeys = ecKeyPair(random);
            var leafBuilder = new JcaX509v3CertificateBuilder(ca, serial(random), Date.from(notBefore),
                    Date.from(notAfter), new X500Principal("CN=localhost"), leafKeys.getPublic());
            leafBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            leafBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            leafBuilder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())}));
            var leaf = sign(leafBuilder, caKeys);

            var certificateFile = dir.resolve("listener-cert.pem");
            var privateKeyFile = dir.resolve("listener-key.pem");
            writePem(certificateFile, leaf, ca);
            writePem(privateKeyFile, new JcaPKCS8Generator(leafKeys.getPrivate(), null));
            return new ListenerCertificates(ca, certificateFile, privateKeyFile);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot generate the TLS certificate for Pebble's listener", e);
        }
    }

    X509Certificate ca() {
        return ca;
    }

    Path certificateFile() {
        return certificateFile;
    }

    Path privateKeyFile() {
        return privateKeyFile;
    }

    private static KeyPair ecKeyPair(SecureRandom random) throws GeneralSecurityException {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(64, random).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys)
            throws OperatorCreationException, GeneralSecurityException {
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static void writePem(Path file, Object... objects) throws IOException {
        try (Writer out = Files.newBufferedWriter(file); var pem = new JcaPEMWriter(out)) {
            for (var object : objects) {
                pem.writeObject(object);
            }
        }
    }
}
