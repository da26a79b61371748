package dev.certpilot.core.internal.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.internal.base.IpAddresses;

/**
 * Self-signed certificates: the bootstrap certificate served before a certificate is obtained, so that an HTTPS
 * listener can start, TLS-ALPN-01 validation certificates (RFC 8737), and test fixtures. Stateless; thread-safe.
 */
public final class SelfSigned {

    /** How long a bootstrap certificate is valid; it is replaced as soon as the CA issues one. */
    static final Duration BOOTSTRAP_VALIDITY = Duration.ofDays(7);
    private static final String BOOTSTRAP_ORGANIZATION = "certpilot bootstrap";
    /** id-pe-acmeIdentifier (RFC 8737). */
    private static final ASN1ObjectIdentifier ACME_IDENTIFIER = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.31");

    private SelfSigned() {
    }

    /**
     * A self-signed certificate for {@code certificate}'s domains with {@code keys} (of the manager's key type, so
     * that clients that accept only that kind get it too), valid from an hour before now.
     */
    public static CertificateBundle bootstrap(ManagedCertificate certificate, KeyPair keys, Instant now) {
        var domains = certificate.domains().toArray(String[]::new);
        return bundle(certificate.name(), keys, now.minus(Duration.ofHours(1)), BOOTSTRAP_VALIDITY,
                BOOTSTRAP_ORGANIZATION, domains);
    }

    public static CertificateBundle bundle(String name, Instant notBefore, Duration validity, String... domains) {
        return bundle(name, KeyType.EC_P256.generate(), notBefore, validity, domains);
    }

    public static CertificateBundle bundle(String name, KeyPair keys, Instant notBefore, Duration validity,
                                    String... domains) {
        return bundle(name, keys, notBefore, validity, "certpilot", domains);
    }

    /**
     * The certificate that answers a TLS-ALPN-01 challenge for {@code domain}: its name (an IP address as one), and
     * the critical acmeIdentifier extension holding {@code acmeValidation} (the SHA-256 of the key authorization),
     * signed with {@code keys}, an EC key: made in a millisecond, where an RSA key costs a cold JVM most of a second.
     */
    public static X509Certificate tlsAlpn01(String domain, KeyPair keys, byte[] acmeValidation, Instant now) {
        try {
            var subject = new X500Principal("CN=acme.invalid");
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()).abs()
                    .add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(7))), subject, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(generalName(domain)));
            builder.addExtension(ACME_IDENTIFIER, true, new DEROctetString(acmeValidation));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("Cannot create the TLS-ALPN-01 validation certificate for " + domain, e);
        }
    }

    /**
     * Whether {@code certificate} answers a TLS-ALPN-01 challenge for the handshake name {@code serverName} (a DNS
     * name, or an IP address's reverse name) with {@code keyAuthorization}: it names it, and its acmeIdentifier
     * extension holds the SHA-256 of the key authorization.
     */
    public static boolean isTlsAlpn01(X509Certificate certificate, String serverName, String keyAuthorization) {
        try {
            var extension = certificate.getExtensionValue(ACME_IDENTIFIER.getId());
            if (extension == null) {
                return false;
            }
            var digest = ASN1OctetString.getInstance(ASN1OctetString.getInstance(extension).getOctets()).getOctets();
            var expected = MessageDigest.getInstance("SHA-256")
                    .digest(keyAuthorization.getBytes(StandardCharsets.UTF_8));
            if (!MessageDigest.isEqual(digest, expected)) {
                return false;
            }
            var names = certificate.getSubjectAlternativeNames();
            return names != null && names.stream().anyMatch(name -> name.get(0).equals(2)
                    && serverName.equalsIgnoreCase((String) name.get(1)) || name.get(0).equals(7)
                    && IpAddresses.reverseName((String) name.get(1)).equals(serverName));
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static CertificateBundle bundle(String name, KeyPair keys, Instant notBefore, Duration validity,
                                            String organization, String... domains) {
        try {
            var subject = new X500Principal("CN=" + domains[0].replace("*", "wildcard").replace(':', '-') + ", O="
                    + organization);
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()).abs()
                    .add(BigInteger.ONE), Date.from(notBefore), Date.from(notBefore.plus(validity)), subject,
                    keys.getPublic());
            var names = new GeneralName[domains.length];
            for (int i = 0; i < domains.length; i++) {
                names[i] = generalName(domains[i]);
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

    /** A subject alternative name: an iPAddress for an address, else a dNSName. */
    private static GeneralName generalName(String name) {
        return new GeneralName(IpAddresses.looksLikeIp(name) ? GeneralName.iPAddress : GeneralName.dNSName, name);
    }
}
