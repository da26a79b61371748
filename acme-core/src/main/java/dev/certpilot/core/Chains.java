package dev.certpilot.core;

import java.security.cert.X509Certificate;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** What a certificate chain ends at. Stateless. */
final class Chains {

    private Chains() {
    }

    /**
     * The common name of the root {@code chain} (leaf first) ends at: the issuer of its last certificate; the whole
     * issuer name when it has no common name.
     */
    static String rootName(List<X509Certificate> chain) {
        var issuer = chain.get(chain.size() - 1).getIssuerX500Principal();
        var names = X500Name.getInstance(issuer.getEncoded()).getRDNs(BCStyle.CN);
        return names.length > 0 ? IETFUtils.valueToString(names[0].getFirst().getValue()) : issuer.getName();
    }
}
