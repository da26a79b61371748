package dev.certpilot.core.internal.acme;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.internal.base.KeyPairs;

/**
 * What a certificate a CA returned must be before it is stored or served: for the key ordered and every name
 * ordered, valid now, a TLS server certificate from a CA (not self-signed, not a CA certificate, {@code serverAuth}
 * when it restricts its use), and a chain in which each certificate is signed by the next. A wrong directory URL or
 * a faulty CA then gets its certificate refused, with the reason, instead of served while health says all is well.
 * The chain is not checked against a trust store: the roots of private and test CAs (and of Let's Encrypt's
 * staging) are in none. Stateless.
 */
public final class IssuedCertificates {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private IssuedCertificates() {
    }

    /**
     * Why {@code chain} (leaf first) cannot be served for {@code domains} with {@code privateKey} at {@code now},
     * as a sentence; empty when it can.
     */
    public static Optional<String> problem(List<X509Certificate> chain, List<String> domains, PrivateKey privateKey,
                                           Instant now) {
        if (chain.isEmpty()) {
            return Optional.of("the CA returned no certificate");
        }
        var leaf = chain.get(0);
        var serial = "serial " + SerialNumbers.hex(leaf.getSerialNumber());
        if (!KeyPairs.matches(leaf.getPublicKey(), privateKey)) {
            return Optional.of("the certificate (" + serial + ") is for another key than the one ordered");
        }
        var named = names(leaf);
        var missing = new ArrayList<String>();
        for (var domain : domains) {
            if (!named.contains(domain.toLowerCase(Locale.ROOT))) {
                missing.add(domain);
            }
        }
        if (!missing.isEmpty()) {
            return Optional.of("the certificate (" + serial + ") does not name " + missing + " but " + named);
        }
        try {
            leaf.checkValidity(Date.from(now));
        } catch (GeneralSecurityException e) {
            return Optional.of("the certificate (" + serial + ") is not valid now (" + now + "): valid from "
                    + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + "; if the CA is "
                    + "right, check this host's clock");
        }
        if (leaf.getBasicConstraints() >= 0) {
            return Optional.of("the certificate (" + serial + ") is a CA certificate, not a server's");
        }
        try {
            var usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(SERVER_AUTH) && !usages.contains(ANY_USAGE)) {
                return Optional.of("the certificate (" + serial + ") is not for TLS servers (extended key usage "
                        + usages + " lacks serverAuth)");
            }
        } catch (CertificateParsingException e) {
            return Optional.of("the certificate (" + serial + ") has an unreadable extended key usage");
        }
        if (signedBy(leaf, leaf)) {
            return Optional.of("the certificate (" + serial + ") is self-signed, not issued by a CA");
        }
        if (chain.size() < 2) {
            return Optional.of("the CA returned the certificate (" + serial + ") without the certificate that issued "
                    + "it");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            var certificate = chain.get(i);
            var issuer = chain.get(i + 1);
            if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
                    || !signedBy(certificate, issuer)) {
                return Optional.of("the chain is broken: " + certificate.getSubjectX500Principal().getName()
                        + " is not signed by the next certificate, " + issuer.getSubjectX500Principal().getName());
            }
        }
        return Optional.empty();
    }

    /** The DNS names (lower case) and IP addresses (canonical) the certificate names. */
    private static List<String> names(X509Certificate leaf) {
        var names = new ArrayList<String>();
        try {
            var alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (var name : alternatives) {
                    if (name.get(0).equals(2)) {
                        names.add(((String) name.get(1)).toLowerCase(Locale.ROOT));
                    } else if (name.get(0).equals(7)) {
                        var ip = IpAddresses.canonical((String) name.get(1));
                        names.add(ip != null ? ip : (String) name.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no readable names: every ordered name is missing
        }
        return names;
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
