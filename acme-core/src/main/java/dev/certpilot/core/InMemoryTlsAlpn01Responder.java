package dev.certpilot.core;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.certpilot.core.spi.SharedAnswers;
import dev.certpilot.core.spi.SharingResponder;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Keeps pending TLS-ALPN-01 validation certificates in memory for {@link CertificateManager#keyManager()} to
 * present: pass it to {@code challenges(...)}, and the manager's key manager answers a TLS 1.3 handshake that
 * negotiated {@value TlsAlpn01Responder#ACME_TLS_PROTOCOL} with the validation certificate for its SNI name, and
 * with nothing else. The TLS server must offer {@code acme-tls/1} in its ALPN protocols and close such
 * connections after the handshake; the Jetty binding does both. Given to a manager, it also presents validation
 * certificates that other instances sharing the manager's store published there, for the manager's domains only:
 * then an {@code acme-tls/1} handshake for a name this instance is not validating reads the store (a bounded
 * number at once, cached for seconds).
 *
 * <p>Thread-safe; a lookup of a challenge this instance deployed is a single concurrent-map read.
 */
public final class InMemoryTlsAlpn01Responder implements TlsAlpn01Responder, SharingResponder {

    private final Map<String, ValidationCertificate> pending = new ConcurrentHashMap<>();
    private volatile SharedAnswers shared;

    /** Creates an empty responder. */
    public InMemoryTlsAlpn01Responder() {
    }

    @Override
    public void deploy(String domain, X509Certificate certificate, PrivateKey privateKey) {
        pending.put(domain.toLowerCase(Locale.ROOT), new ValidationCertificate(certificate, privateKey));
    }

    @Override
    public void remove(String domain) {
        pending.remove(domain.toLowerCase(Locale.ROOT));
    }

    /**
     * The number of challenges pending now.
     *
     * @return the pending challenges
     */
    public int pendingCount() {
        return pending.size();
    }

    @Override
    public Optional<ValidationCertificate> validationCertificate(String domain) {
        if (domain == null) {
            return Optional.empty();
        }
        var local = pending.get(domain.toLowerCase(Locale.ROOT));
        var others = shared;
        return local != null || others == null ? Optional.ofNullable(local) : others.tlsAlpn01(domain);
    }

    /** Presents also what other instances sharing the manager's store published; null stops that. */
    @Override
    public void serveShared(SharedAnswers answers) {
        this.shared = answers;
    }

    @Override
    public String toString() {
        return "InMemoryTlsAlpn01Responder[" + pending.size() + " pending]";
    }
}
