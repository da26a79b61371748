package dev.certpilot.core;

import java.math.BigInteger;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One managed certificate's renewal state: the failures so far, the next check, and what is known of its renewal
 * window; what is served is {@link ServedCertificates}'s alone. Written under {@link #lock}; the volatile fields are also read without it, by
 * {@code status()} and {@code awaitCertificates}. Not thread-safe beyond that rule.
 */
final class CertificateSlot {

    final ManagedCertificate certificate;
    final ReentrantLock lock = new ReentrantLock();
    volatile CertpilotException lastFailure;
    volatile int failures;
    volatile Instant nextCheck;
    /** The CA tried next, as an index into the configured CAs. */
    int issuerIndex;
    /** The CA that issued {@link #current}, when this manager obtained it; null when unknown. */
    Issuer issuedBy;
    /** Whether an order is due whatever the renewal window says, until one succeeds. */
    boolean renewing;
    /** A certificate issued and served but not yet stored; its save is retried without a new order. */
    CertificateBundle unsaved;
    ScheduledFuture<?> next;
    /** The serial whose renewal window {@link #ariDue} is, and when to ask the CA again. */
    BigInteger ariSerial;
    Instant ariDue;
    Instant ariRefresh;

    CertificateSlot(ManagedCertificate certificate) {
        this.certificate = certificate;
    }

    String name() {
        return certificate.name();
    }
}
