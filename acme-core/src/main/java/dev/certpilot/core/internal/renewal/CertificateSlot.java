package dev.certpilot.core.internal.renewal;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.acme.SuggestedWindow;
import dev.certpilot.core.internal.tls.ServedCertificates;

/**
 * One managed certificate's renewal state: the failures so far, the next check, and what is known of its renewal
 * window; what is served is {@link ServedCertificates}'s alone. Written under {@link #lock}; the volatile fields
 * are also read without it, by {@code status()} and {@code awaitCertificates}; {@link #deadline} and
 * {@link #queued} belong to the {@link CheckQueue}. Not thread-safe beyond those rules.
 */
public final class CertificateSlot {

    final ManagedCertificate certificate;
    /** The order in which certificates were added: status lists them in it. */
    final long order;
    /**
     * Which of the certificates due at the same time this instance checks first: a shuffle of its own at start, so
     * that instances sharing a store begin a batch of new names at different ones instead of all contending for the
     * same leases; set before the slot is first queued.
     */
    long turn;
    /** Whether it was obtained on demand, so that each renewal asks the decision again. */
    final boolean onDemand;
    final ReentrantLock lock = new ReentrantLock();
    volatile CertpilotException lastFailure;
    volatile int failures;
    /** When it is next checked, in epoch milliseconds by the manager's clock; {@link Long#MIN_VALUE} for never. */
    volatile long nextCheck = Long.MIN_VALUE;
    /** Whether it was unmanaged: an attempt in progress serves and stores nothing more. */
    volatile boolean removed;
    /** The CA tried next, as an index into the configured CAs. */
    int issuerIndex;
    /** The CA that issued the certificate served, when this manager obtained it; null when unknown. */
    Issuer issuedBy;
    /** Whether an order is due whatever the renewal window says, until one succeeds. */
    boolean renewing;
    /** A certificate issued and served but not yet stored; its save is retried without a new order. */
    CertificateBundle unsaved;
    /** Whether {@link #unsaved} is counted among the store's unsaved certificates; set and cleared once each. */
    final AtomicBoolean unsavedCounted = new AtomicBoolean();
    /**
     * When the last {@link RenewalPolicy#ORDERS_PER_LIFETIME} certificates the CA issued arrived here, oldest first,
     * and the lifetime of the latest: no order, unless forced, while that many arrived within it.
     */
    final ArrayDeque<Instant> arrivals = new ArrayDeque<>(RenewalPolicy.ORDERS_PER_LIFETIME);
    Duration lifetime;
    /** The serial whose renewal window {@link #ariDue} is, and when to ask the CA again. */
    BigInteger ariSerial;
    Instant ariDue;
    Instant ariRefresh;
    /** The window {@link #ariDue} was drawn from, or null. */
    SuggestedWindow ariWindow;
    /** The serial whose early renewal the CA asked for and that was told ({@code RenewalRequested}), or null. */
    BigInteger requestedSerial;
    /** The check's due time on the monotonic clock, and whether the slot is queued; guarded by the queue. */
    long deadline;
    boolean queued;

    CertificateSlot(ManagedCertificate certificate, long order, boolean onDemand) {
        this.certificate = certificate;
        this.order = order;
        this.turn = order;
        this.onDemand = onDemand;
    }

    String name() {
        return certificate.name();
    }
}
