package dev.certpilot.core;

import java.util.Collection;
import java.util.List;

/**
 * What is served: the one snapshot that TLS handshakes (the key manager), {@code certificate()},
 * {@code certificateForHost()} and {@code status()} read, and that only the renewal engine writes. It alone records
 * which names are served a bootstrap certificate. Reads are one volatile load of an immutable
 * {@link CertificateIndex}, without locks; writes are serialized. Thread-safe.
 */
final class ServedCertificates {

    private volatile CertificateIndex index = CertificateIndex.EMPTY;

    /** Serves {@code issued} (the CA's certificates) and {@code bootstraps} from the next handshake on. */
    synchronized void publish(Collection<CertificateBundle> issued, Collection<CertificateBundle> bootstraps) {
        index = index.with(issued, bootstraps);
    }

    /** Serves {@code issued}, a certificate from the CA, from the next handshake on. */
    void publish(CertificateBundle issued) {
        publish(List.of(issued), List.of());
    }

    /** The current snapshot. */
    CertificateIndex snapshot() {
        return index;
    }

    /** The CA's certificate served for {@code name}, or null while a bootstrap certificate (or none) is. */
    CertificateBundle issued(String name) {
        var snapshot = index;
        return snapshot.isBootstrap(name) ? null : snapshot.byName(name).orElse(null);
    }
}
