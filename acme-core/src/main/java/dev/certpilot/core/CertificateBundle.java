package dev.certpilot.core;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import dev.certpilot.core.internal.base.KeyPairs;

/**
 * A certificate ready to serve: its chain (leaf first, then intermediates, as the CA sent it) and private key,
 * under the name and domains of the {@link ManagedCertificate} it was obtained for.
 * {@link #toString()} never shows the key. Immutable (the key and certificates are immutable JDK objects).
 *
 * @param name       the managed certificate's name
 * @param domains    the DNS names it was ordered for
 * @param chain      leaf first; not empty
 * @param privateKey the leaf's private key
 */
public record CertificateBundle(String name, List<String> domains, List<X509Certificate> chain,
                                PrivateKey privateKey) {

    /**
     * @param name the managed certificate's name
     * @param domains the DNS names it was ordered for
     * @param chain leaf first; not empty
     * @param privateKey the leaf's private key
     * @throws IllegalArgumentException if the chain is empty
     */
    public CertificateBundle {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(privateKey, "privateKey");
        domains = List.copyOf(domains);
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("Certificate bundle '" + name + "' has an empty chain");
        }
    }

    /**
     * The end-entity certificate.
     *
     * @return the first certificate of the chain
     */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * Start of the leaf's validity.
     *
     * @return the leaf's notBefore
     */
    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    /**
     * End of the leaf's validity.
     *
     * @return the leaf's notAfter
     */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /**
     * The leaf's serial number.
     *
     * @return the serial number
     */
    public BigInteger serialNumber() {
        return leaf().getSerialNumber();
    }

    /**
     * Whether the private key belongs to the leaf's public key; one key operation (a store checks it before it
     * saves).
     *
     * @return whether the key pair matches
     */
    public boolean keyMatches() {
        return KeyPairs.matches(leaf().getPublicKey(), privateKey());
    }

    /**
     * Whether the leaf is self-signed: true for the bootstrap certificate a manager serves until the CA issues
     * one, false for a certificate from a CA.
     *
     * @return whether the leaf's issuer is itself
     */
    public boolean isSelfSigned() {
        return chain.size() == 1 && leaf().getSubjectX500Principal().equals(leaf().getIssuerX500Principal());
    }

    /**
     * Whether the leaf is valid at {@code instant}.
     *
     * @param instant the time to check
     * @return whether {@code instant} lies within the leaf's validity
     */
    public boolean isValidAt(Instant instant) {
        return !instant.isBefore(notBefore()) && instant.isBefore(notAfter());
    }

    /**
     * Whether this certificate was ordered for {@code host}, directly or through a wildcard
     * ({@code *.example.com} covers {@code a.example.com}, not {@code a.b.example.com} or {@code example.com}).
     *
     * @param host a DNS name or IP address
     * @return whether a domain of this bundle covers it
     */
    public boolean covers(String host) {
        var name = host.toLowerCase(Locale.ROOT);
        if (domains.contains(name)) {
            return true;
        }
        var dot = name.indexOf('.');
        return dot > 0 && domains.contains("*" + name.substring(dot));
    }

    /**
     * A new in-memory PKCS#12 key store holding this bundle as one key entry, aliased by {@link #name()}.
     *
     * @param password protects the key entry and the store
     * @return the key store
     */
    public KeyStore toKeyStore(char[] password) {
        try {
            var keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, password);
            keyStore.setKeyEntry(name, privateKey, password, chain.toArray(X509Certificate[]::new));
            return keyStore;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot build a PKCS12 key store for '" + name + "'", e);
        }
    }

    @Override
    public String toString() {
        return "CertificateBundle[" + name + " " + domains + ", serial " + SerialNumbers.hex(serialNumber())
                + ", valid " + notBefore() + " to " + notAfter() + "]";
    }
}
