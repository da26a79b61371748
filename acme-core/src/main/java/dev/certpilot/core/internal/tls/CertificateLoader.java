package dev.certpilot.core.internal.tls;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.CorruptedEntryException;

/**
 * Reads a stored certificate and keeps it only if it is valid and for the configured domains, and makes self-signed
 * bootstrap certificates, all with one key pair of the configured key type (they are throwaways, and an RSA key
 * takes long to make). Thread-safe.
 */
public final class CertificateLoader {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");

    private final CertificateStore store;
    private final KeyType keyType;
    private final Object bootstrapGuard = new Object();
    private KeyPair bootstrapKeys; // guarded by bootstrapGuard

    public CertificateLoader(CertificateStore store, KeyType keyType) {
        this.store = store;
        this.keyType = keyType;
    }

    /** A self-signed certificate for {@code certificate}, served until the CA's arrives. */
    public CertificateBundle bootstrap(ManagedCertificate certificate, Instant now) {
        LOG.debug("Serving a self-signed bootstrap certificate for {} until one is obtained", certificate.domains());
        return SelfSigned.bootstrap(certificate, bootstrapKeys(), now);
    }

    private KeyPair bootstrapKeys() {
        synchronized (bootstrapGuard) {
            if (bootstrapKeys == null) {
                bootstrapKeys = keyType.generate();
            }
            return bootstrapKeys;
        }
    }

    /**
     * What certpilot 0.1 stored for {@code certificate} under its former name, for a name over 64 characters that it
     * shortened with {@code String.hashCode} (which anyone can make collide); renamed to the current name. Only an
     * entry for exactly the same domains is taken (the domain check that follows), so a colliding name stored there
     * is never served for this one. Empty when there is none.
     */
    private Optional<CertificateBundle> legacy(ManagedCertificate certificate) {
        var domain = certificate.domains().get(0);
        var full = domain.startsWith("*.") ? "wildcard_" + domain.substring(1)
                : domain.indexOf(':') >= 0 ? "ipv6_" + domain.replace(':', '-') : domain;
        if (full.length() <= 64 || !ManagedCertificate.of(domain).name().equals(certificate.name())) {
            return Optional.empty();
        }
        var former = full.substring(0, 55) + "-" + String.format("%08x", full.hashCode());
        try {
            return store.load(former).map(b -> new CertificateBundle(certificate.name(), b.domains(), b.chain(),
                    b.privateKey()));
        } catch (IOException e) {
            LOG.warn("Cannot read certificate {} under its former name {}: {}", certificate.name(), former,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The stored certificate if it is valid now and for the configured domains, else null.
     *
     * @throws StorageException if the store fails (a corrupted entry is not a failure: it is obtained again)
     */
    public CertificateBundle loadUsable(ManagedCertificate certificate, Instant now) {
        var name = certificate.name();
        Optional<CertificateBundle> stored;
        try {
            stored = store.load(name);
        } catch (CorruptedEntryException e) {
            LOG.error("Stored certificate {} is corrupted: {}. Obtaining a new one", name, e.getMessage());
            return null;
        } catch (IOException e) {
            throw new StorageException("Cannot read certificate " + name + ": " + e.getMessage(),
                    store + " " + name, e);
        }
        if (stored.isEmpty()) {
            stored = legacy(certificate);
        }
        if (stored.isEmpty()) {
            return null;
        }
        var bundle = stored.get();
        if (!store.loadChecksKeyPairs() && !bundle.keyMatches()) {
            LOG.error("Stored certificate {} (serial {}) has a private key that does not belong to it: obtaining a "
                    + "new one", name, SerialNumbers.hex(bundle.serialNumber()));
            return null;
        }
        if (!bundle.domains().equals(certificate.domains())) {
            LOG.info("Stored certificate {} is for {}, configured for {}: obtaining a new one", name,
                    bundle.domains(), certificate.domains());
            return null;
        }
        if (!bundle.isValidAt(now)) {
            LOG.info("Stored certificate {} is not valid now (valid {} to {}): obtaining a new one", name,
                    bundle.notBefore(), bundle.notAfter());
            return null;
        }
        return bundle;
    }
}
