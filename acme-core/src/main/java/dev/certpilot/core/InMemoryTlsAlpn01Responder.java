package dev.certpilot.core;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Keeps pending TLS-ALPN-01 validation certificates in memory for {@link CertificateManager#keyManager()} to
 * present: pass it to {@code challenges(...)}, and the manager's key manager answers a TLS 1.3 handshake that
 * negotiated {@value TlsAlpn01Responder#ACME_TLS_PROTOCOL} with the validation certificate for its SNI name, and
 * with nothing else. The TLS server must offer {@code acme-tls/1} in its ALPN protocols and close such
 * connections after the handshake; the Jetty binding does both.
 *
 * <p>Thread-safe; lookups are a single concurrent-map read.
 */
public final class InMemoryTlsAlpn01Responder implements TlsAlpn01Responder {

    private final Map<String, ValidationCertificate> pending = new ConcurrentHashMap<>();

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

    /** The number of challenges pending now. */
    public int pendingCount() {
        return pending.size();
    }

    @Override
    public Optional<ValidationCertificate> validationCertificate(String domain) {
        return domain == null ? Optional.empty() : Optional.ofNullable(pending.get(domain.toLowerCase(Locale.ROOT)));
    }

    @Override
    public String toString() {
        return "InMemoryTlsAlpn01Responder[" + pending.size() + " pending]";
    }
}
