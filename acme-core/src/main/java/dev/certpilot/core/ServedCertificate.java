package dev.certpilot.core;

import dev.certpilot.core.spi.StoredCertificate;

/**
 * What is served for one managed certificate: what the listing says of the CA's certificate (enough to schedule
 * it), and, while it is in use, its parsed chain and key. A certificate not used lately keeps only the listing's
 * line; its chain and key are read from the store again at its next handshake. The fields are volatile: handshakes
 * read them without locks; {@link ServedCertificates} writes {@link #bundle} holding this object's monitor.
 */
final class ServedCertificate {

    final ManagedCertificate certificate;
    /** The order in which certificates were added, which decides the default certificate and status order. */
    final long order;
    /** The CA's certificate served, as listed; null while a bootstrap certificate (or nothing) is served. */
    volatile StoredCertificate issued;
    /** Whether the store was asked for a certificate; until then the first use asks it. */
    volatile boolean looked;
    /** The parsed certificate: the CA's one {@link #issued} lists, or a bootstrap one; null when not in memory. */
    volatile CertificateBundle bundle;
    /** Set by each use, cleared by the cache's hand: a used certificate survives one more sweep. */
    volatile boolean used;
    /** Whether it was unmanaged; a handshake that found it just before is still served. */
    volatile boolean removed;
    /** Its place in the cache, or -1; guarded by the cache. */
    int cacheSlot = -1;

    ServedCertificate(ManagedCertificate certificate, long order) {
        this.certificate = certificate;
        this.order = order;
    }

    String name() {
        return certificate.name();
    }
}
