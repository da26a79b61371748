package dev.certpilot.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ACME CA: its directory URL, the External Account Binding it may require, and, for private or test
 * CAs, the certificates to trust for its own HTTPS endpoint (by default the JDK's trust store). Immutable.
 *
 * <pre>{@code
 * CertificateAuthority.LETS_ENCRYPT_STAGING                       // try here first
 * CertificateAuthority.of("https://acme.zerossl.com/v2/DV90")
 *     .withExternalAccountBinding(keyId, hmacKey)
 * CertificateAuthority.of("https://127.0.0.1:14000/dir")
 *     .withTrustedCertificates(Path.of("pebble-ca.pem"))         // a test CA with its own TLS root
 * }</pre>
 *
 * @param directory         the ACME directory URL; {@code https} only
 * @param eab               External Account Binding credentials, or {@code null} when the CA needs none
 * @param trustedCertificates certificates that anchor trust in the directory's TLS certificate;
 *                          empty to use the JDK's default trust store
 * @param profile           the certificate profile to order (such as Let's Encrypt's {@code tlsserver} or
 *                          {@code shortlived}), unless a certificate names its own; null for the CA's default
 * @param preferredChain    the common name of the root whose chain to serve among those the CA offers (its
 *                          default chain and its alternates); null for the default chain
 */
public record CertificateAuthority(URI directory, ExternalAccountBinding eab,
                                   List<X509Certificate> trustedCertificates, String profile, String preferredChain) {

    /** Let's Encrypt's production CA. Its rate limits are strict: try {@link #LETS_ENCRYPT_STAGING} first. */
    public static final CertificateAuthority LETS_ENCRYPT =
            of("https://acme-v02.api.letsencrypt.org/directory");

    /** Let's Encrypt's staging CA: same protocol, generous rate limits, certificates no browser trusts. */
    public static final CertificateAuthority LETS_ENCRYPT_STAGING =
            of("https://acme-staging-v02.api.letsencrypt.org/directory");

    /** ZeroSSL's CA; it requires {@link #withExternalAccountBinding EAB} credentials from its console. */
    public static final CertificateAuthority ZEROSSL = of("https://acme.zerossl.com/v2/DV90");

    /**
     * @param directory the ACME directory URL; {@code https} only
     * @param eab External Account Binding credentials, or {@code null}
     * @param trustedCertificates certificates that anchor trust in the directory's TLS certificate, or empty for the
     *     JDK's
     * @param profile the certificate profile to order, or {@code null} for the CA's default
     * @param preferredChain the common name of the root whose chain to serve, or {@code null} for the CA's default
     * @throws IllegalArgumentException if the directory URL is not an absolute {@code https} URL
     */
    public CertificateAuthority {
        Objects.requireNonNull(directory, "directory");
        if (!"https".equalsIgnoreCase(directory.getScheme()) || directory.getHost() == null) {
            throw new IllegalArgumentException("ACME directory must be an https URL such as "
                    + "https://acme-v02.api.letsencrypt.org/directory, got '" + directory + "'");
        }
        trustedCertificates = List.copyOf(trustedCertificates);
        if (profile != null) {
            ManagedCertificate.checkProfile(profile, "CA " + directory);
        }
        if (preferredChain != null && preferredChain.isBlank()) {
            throw new IllegalArgumentException("CA " + directory + ": the preferred chain is blank; give the common "
                    + "name of a root, such as ISRG Root X2, or leave it out for the CA's default chain");
        }
    }

    /**
     * A CA with its default chain.
     *
     * @param directory the ACME directory URL; {@code https} only
     * @param eab External Account Binding credentials, or {@code null}
     * @param trustedCertificates certificates that anchor trust in the directory's TLS certificate, or empty for the
     *     JDK's
     * @param profile the certificate profile to order, or {@code null} for the CA's default
     */
    public CertificateAuthority(URI directory, ExternalAccountBinding eab, List<X509Certificate> trustedCertificates,
                                String profile) {
        this(directory, eab, trustedCertificates, profile, null);
    }

    /**
     * A CA with no profile and its default chain.
     *
     * @param directory the ACME directory URL; {@code https} only
     * @param eab External Account Binding credentials, or {@code null}
     * @param trustedCertificates certificates that anchor trust in the directory's TLS certificate, or empty for the
     *     JDK's
     */
    public CertificateAuthority(URI directory, ExternalAccountBinding eab, List<X509Certificate> trustedCertificates) {
        this(directory, eab, trustedCertificates, null, null);
    }

    /**
     * A CA by directory URL, with no EAB and the JDK's trust store.
     *
     * @param directoryUrl the ACME directory URL
     * @return the CA
     * @throws IllegalArgumentException if {@code directoryUrl} is not an absolute {@code https} URL
     */
    public static CertificateAuthority of(String directoryUrl) {
        Objects.requireNonNull(directoryUrl, "directoryUrl");
        URI uri;
        try {
            uri = URI.create(directoryUrl.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ACME directory is not a URL: '" + directoryUrl + "'", e);
        }
        return new CertificateAuthority(uri, null, List.of());
    }

    /**
     * A CA by the name configuration files use: {@code lets-encrypt}, {@code lets-encrypt-staging}, {@code zerossl},
     * or the {@code https} URL of an ACME directory. Any other name is refused, so that a typo never picks a CA.
     *
     * @param name a CA's name or directory URL
     * @return the CA
     * @throws IllegalArgumentException naming the accepted names, if {@code name} is none of them
     */
    public static CertificateAuthority named(String name) {
        var value = name == null ? "" : name.trim();
        return switch (value) {
            case "lets-encrypt" -> LETS_ENCRYPT;
            case "lets-encrypt-staging" -> LETS_ENCRYPT_STAGING;
            case "zerossl" -> ZEROSSL;
            default -> {
                if (!value.regionMatches(true, 0, "https://", 0, 8)) {
                    throw new IllegalArgumentException("'" + value + "' is not a CA: use lets-encrypt, "
                            + "lets-encrypt-staging, zerossl, or the https URL of an ACME directory");
                }
                yield of(value);
            }
        };
    }

    /**
     * This CA with External Account Binding credentials.
     *
     * @param keyId the key identifier the CA gave
     * @param hmacKey the MAC key the CA gave, base64url-encoded
     * @return a copy with the binding
     */
    public CertificateAuthority withExternalAccountBinding(String keyId, String hmacKey) {
        return new CertificateAuthority(directory, new ExternalAccountBinding(keyId, hmacKey), trustedCertificates,
                profile, preferredChain);
    }

    /**
     * This CA, trusting only {@code certificates} for its HTTPS endpoint (for private and test CAs).
     *
     * @param certificates the trust anchors
     * @return a copy trusting only them
     */
    public CertificateAuthority withTrustedCertificates(X509Certificate... certificates) {
        if (certificates.length == 0) {
            throw new IllegalArgumentException("withTrustedCertificates needs at least one certificate");
        }
        return new CertificateAuthority(directory, eab, List.of(certificates), profile, preferredChain);
    }

    /**
     * This CA, ordering certificates of {@code profile} unless a certificate names its own
     * ({@link ManagedCertificate#withProfile}). The CA's advertised profiles are checked at each order: one it does not
     * offer fails the order with the list of those it does.
     *
     * @param profile the profile's name, as the CA advertises it
     * @return a copy with the profile
     * @throws IllegalArgumentException if {@code profile} is not a profile name
     */
    public CertificateAuthority withProfile(String profile) {
        return new CertificateAuthority(directory, eab, trustedCertificates, Objects.requireNonNull(profile, "profile"),
                preferredChain);
    }

    /**
     * This CA, serving the chain that ends at the root named {@code rootCommonName} (such as {@code ISRG Root X2}),
     * compared regardless of case with the issuer of each chain's last certificate, when the CA offers it as its
     * default or an alternate chain (RFC 8555, section 7.4.2); else its default chain, with a warning listing the
     * roots it offered. Nothing is pinned: when the CA changes intermediates, the new ones are served.
     *
     * @param rootCommonName the root certificate's common name
     * @return a copy with the preference
     */
    public CertificateAuthority withPreferredChain(String rootCommonName) {
        return new CertificateAuthority(directory, eab, trustedCertificates, profile,
                Objects.requireNonNull(rootCommonName, "rootCommonName").trim());
    }

    /**
     * This CA, trusting only the PEM certificates in {@code pemFile} for its HTTPS endpoint.
     *
     * @param pemFile a file of PEM certificates
     * @return a copy trusting only them
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    public CertificateAuthority withTrustedCertificates(Path pemFile) {
        var certificates = new ArrayList<X509Certificate>();
        try (InputStream in = Files.newInputStream(pemFile)) {
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("Cannot read the CA trust file " + pemFile + ": " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("The CA trust file " + pemFile + " holds no PEM certificate");
        }
        return withTrustedCertificates(certificates.toArray(X509Certificate[]::new));
    }

    @Override
    public String toString() {
        return directory.toString() + (eab == null ? "" : " (EAB key id " + eab.keyId() + ")")
                + (profile == null ? "" : " (profile " + profile + ")")
                + (preferredChain == null ? "" : " (chain to " + preferredChain + ")");
    }
}
