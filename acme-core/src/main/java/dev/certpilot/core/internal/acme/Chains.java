package dev.certpilot.core.internal.acme;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.shredzone.acme4j.Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateAuthority;

/** Which of the CA's chains to serve, by the root it ends at. Stateless. */
public final class Chains {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.acme");

    private Chains() {
    }

    /**
     * The chain to serve of {@code issued}: the CA's default one, or the first of its alternates (RFC 8555, section
     * 7.4.2) that ends at {@code ca}'s {@linkplain CertificateAuthority#withPreferredChain preferred root} and
     * certifies {@code domainKey}; the default one, with a warning listing the roots offered, when none does.
     */
    static List<X509Certificate> select(Certificate issued, CertificateAuthority ca, String name, KeyPair domainKey) {
        var chain = issued.getCertificateChain();
        var preferred = ca.preferredChain();
        if (preferred == null || preferred.equalsIgnoreCase(rootName(chain))) {
            return chain;
        }
        var offered = new ArrayList<String>();
        offered.add(rootName(chain));
        for (var alternate : issued.getAlternateCertificates()) {
            var alternateChain = alternate.getCertificateChain();
            var root = rootName(alternateChain);
            offered.add(root);
            var certifiesKey = alternateChain.get(0).getPublicKey().equals(domainKey.getPublic());
            if (preferred.equalsIgnoreCase(root) && certifiesKey) {
                LOG.debug("Serving the alternate chain to {} for {}", root, name);
                return alternateChain;
            }
        }
        LOG.warn("The CA {} offers no chain to root '{}' for {}: serving its default chain (roots offered: {})",
                ca.directory(), preferred, name, offered);
        return chain;
    }

    /**
     * The common name of the root {@code chain} (leaf first) ends at: the issuer of its last certificate; the whole
     * issuer name when it has no common name.
     */
    public static String rootName(List<X509Certificate> chain) {
        var issuer = chain.get(chain.size() - 1).getIssuerX500Principal();
        var names = X500Name.getInstance(issuer.getEncoded()).getRDNs(BCStyle.CN);
        return names.length > 0 ? IETFUtils.valueToString(names[0].getFirst().getValue()) : issuer.getName();
    }
}
