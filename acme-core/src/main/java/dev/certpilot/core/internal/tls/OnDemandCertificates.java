package dev.certpilot.core.internal.tls;

/**
 * Certificates obtained while a handshake waits, as the {@link SniKeyManager} asks for them: implemented by the
 * renewal side, which owns ordering, so that serving never depends on it. Implementations are thread-safe.
 */
@FunctionalInterface
public interface OnDemandCertificates {

    /**
     * The certificate to serve for a handshake asking for {@code host}, which {@code found} covers (or null):
     * found's own once it has the CA's certificate; else, waiting a bounded time, one obtained on demand; null when
     * refused, so that the handshake goes on as for any name without a certificate.
     */
    ServedCertificate resolve(String host, ServedCertificate found);
}
