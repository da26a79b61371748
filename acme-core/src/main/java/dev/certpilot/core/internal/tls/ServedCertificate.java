package dev.certpilot.core.internal.tls;

import java.math.BigInteger;
import java.time.Instant;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * What is served for one managed certificate: what the listing says of the CA's certificate (enough to schedule
 * it), and, while it is in use, its parsed chain and key. A certificate not used lately keeps only the listing's
 * line; its chain and key are read from the store again at its next handshake. The fields are volatile: handshakes
 * read them without locks, so it is thread-safe; {@link ServedCertificates} writes {@link #bundle} holding this object's monitor.
 */
public final class ServedCertificate {

    public final ManagedCertificate certificate;
    /** The order in which certificates were added, which decides the default certificate and status order. */
    final long order;
    /**
     * The CA's certificate served, as listed: its serial (null while a bootstrap certificate, or nothing, is served)
     * and validity in epoch seconds; written together under this object's monitor, read through {@link #issued()}.
     */
    private volatile BigInteger serial;
    private long notBefore;
    private long notAfter;
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

    /** What the listing says of the CA's certificate served, or null while a bootstrap one (or none) is. */
    StoredCertificate issued() {
        BigInteger serial;
        long from;
        long to;
        synchronized (this) {
            serial = this.serial;
            from = notBefore;
            to = notAfter;
        }
        return serial == null ? null : new StoredCertificate(certificate.name(), certificate.domains(), serial,
                Instant.ofEpochSecond(from), Instant.ofEpochSecond(to));
    }

    /** Whether the CA's certificate is served (not a bootstrap one); reads one volatile field. */
    public boolean hasIssued() {
        return serial != null;
    }

    /** The serial of the CA's certificate served, or null. */
    BigInteger issuedSerial() {
        return serial;
    }

    /** Records the CA's certificate served, or none; call holding this object's monitor. */
    void issued(StoredCertificate stored) {
        if (stored == null) {
            serial = null;
            return;
        }
        notBefore = stored.notBefore().getEpochSecond();
        notAfter = stored.notAfter().getEpochSecond();
        serial = stored.serial();
    }
}
