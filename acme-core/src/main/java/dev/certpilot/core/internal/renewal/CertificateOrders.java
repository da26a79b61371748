package dev.certpilot.core.internal.renewal;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.AcmeServerException;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.PreflightFailedException;
import dev.certpilot.core.RateLimitedException;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.internal.acme.IssuedCertificates;
import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.preflight.Preflighter;
import dev.certpilot.core.internal.tls.CertificateLoader;
import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.LeaseLostException;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Orders one managed certificate under the store's lease and records the outcome: serves and stores what the CA
 * issued (retrying a failed save without a new order), serves what another instance stored meanwhile, or counts the
 * failure, backs off and fails over to the next CA; then schedules the certificate's next check on the
 * {@link CheckQueue}. The {@link Renewer} decides when to call it. Called holding the slot's lock; thread-safe
 * across slots.
 */
public final class CertificateOrders {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    /** How far this host's clock may differ from the CA's before a certificate's start tells of it. */
    private static final Duration CLOCK_TOLERANCE = Duration.ofMinutes(5);
    /** How far CAs set a certificate's start before its issuance (Let's Encrypt: one hour). */
    private static final Duration BACKDATING = Duration.ofHours(1);

    private final CertificateStore store;
    private final List<Issuer> issuers;
    private final List<ChallengeResponder> responders;
    private final Preflighter preflighter;
    private final KeyType keyType;
    private final Clock clock;
    private final Duration issuanceTimeout;
    private final RenewalPolicy policy;
    private final RandomGenerator random;
    private final ServedCertificates served;
    private final EventDispatcher events;
    private final DueTimes dueTimes;
    private final CertificateLoader loader;
    private final CheckQueue queue;
    private final Duration leaseDuration;
    private final LeaseKeeper leases;
    private final AtomicInteger unsavedCount = new AtomicInteger();
    private volatile boolean closed;

    CertificateOrders(ManagerSettings settings, List<Issuer> issuers, List<ChallengeResponder> responders,
                      ServedCertificates served, EventDispatcher events, DueTimes dueTimes,
                      CertificateLoader loader, CheckQueue queue, LeaseKeeper leases) {
        this.store = settings.store();
        this.issuers = issuers;
        this.responders = responders;
        this.preflighter = settings.preflight().appliesTo(settings.cas()) ? new Preflighter(settings.preflight(),
                responders) : null;
        this.keyType = settings.keyType();
        this.clock = settings.clock();
        this.issuanceTimeout = settings.timeouts().issuance();
        this.policy = settings.policy();
        this.random = settings.random();
        this.leaseDuration = settings.storage().leaseDuration();
        this.served = served;
        this.events = events;
        this.dueTimes = dueTimes;
        this.loader = loader;
        this.queue = queue;
        this.leases = leases;
    }

    /** From now on, failures are not counted and nothing is scheduled. */
    void close() {
        closed = true;
    }

    /**
     * Orders a certificate holding the store's lease of it, unless another instance stored a fresh one meanwhile.
     * While another instance holds the lease, a scheduled check only comes back a little later (the store's
     * watcher serves what that instance stores); a forced one waits for the lease.
     */
    void obtain(CertificateSlot slot, boolean force, boolean waitForLease) {
        var issuer = issuers.get(slot.issuerIndex);
        var previous = served.issued(slot.name());
        try (var lease = lease(slot, force || waitForLease)) {
            if (lease == null) {
                LOG.debug("Certificate {} is being obtained by another instance sharing the store", slot.name());
                schedule(slot, clock.instant().plus(busyRetry()));
                return;
            }
            var stored = loader.loadUsable(slot.certificate, clock.instant());
            // no network call while holding the lease: the lifetime rule, or a renewal window already known
            if (stored != null && !force && (previous == null || !stored.serialNumber().equals(previous.serialNumber()))
                    && clock.instant().isBefore(dueTimes.known(slot, StoredCertificate.of(stored)))) {
                LOG.info("Certificate {} was renewed by another instance sharing the store; serving it", slot.name());
                slot.issuedBy = null; // which CA issued it is found when its renewal window is first asked for
                succeed(slot, stored, serial(previous));
                return;
            }
            slot.renewing = true; // retries continue until a certificate is obtained, due or not
            if (previous == null && preflighter != null) {
                // what the CA would refuse is found before it is asked, and counts against no limit
                var report = preflighter.check(slot.certificate, issuer);
                if (!report.passed()) {
                    throw new PreflightFailedException(report);
                }
            }
            events.emit(new CertificateEvent.Obtaining(slot.name(), clock.instant(), slot.certificate.domains(),
                    issuer.ca().directory(), slot.failures + 1, previous != null));
            var key = keyType.generate();
            var clockStart = System.nanoTime();
            var chain = issuer.issue(slot.certificate, key, responders, issuanceTimeout,
                    previous == null ? null : previous.leaf());
            var problem = IssuedCertificates.problem(chain, slot.certificate.domains(), key.getPrivate(),
                    clock.instant());
            if (problem.isPresent()) {
                throw new AcmeServerException("The CA " + issuer.ca().directory() + " returned a certificate that is "
                        + "not served: " + problem.get() + ". Check the directory URL; if it is right, the CA is at "
                        + "fault", issuer.ca().directory(), null, null);
            }
            var bundle = new CertificateBundle(slot.name(), slot.certificate.domains(), chain, key.getPrivate());
            LOG.debug("Certificate {} took {} ms", slot.name(), (System.nanoTime() - clockStart) / 1_000_000);
            slot.issuedBy = issuer;
            arrived(slot, bundle, clock.instant());
            try {
                store.save(bundle, lease.lease());
            } catch (LeaseLostException e) {
                // this instance stalled past its lease, and another took over: what it stored stays, unless this
                // certificate is strictly newer
                var takeover = loader.loadUsable(slot.certificate, clock.instant());
                if (takeover != null && !bundle.notAfter().isAfter(takeover.notAfter())) {
                    LOG.warn("Certificate {}: this instance lost its lease while ordering ({}); another instance "
                            + "stored serial {} meanwhile, which is served; serial {} is dropped", slot.name(),
                            e.getMessage(), SerialNumbers.hex(takeover.serialNumber()),
                            SerialNumbers.hex(bundle.serialNumber()));
                    succeed(slot, takeover, serial(previous));
                    return;
                }
                keepUnsaved(slot, bundle, previous, e);
                return;
            } catch (IOException e) {
                keepUnsaved(slot, bundle, previous, e);
                return;
            }
            succeed(slot, bundle, serial(previous));
        } catch (CertpilotException e) {
            fail(slot, e);
        } catch (RuntimeException e) {
            // an issuer's unchecked exception is a failure like any other: counted, reported, backed off
            fail(slot, new CertpilotException("Obtaining certificate " + slot.name() + " failed: " + e, e));
        } catch (IOException e) {
            fail(slot, new StorageException("Cannot take the lease of certificate " + slot.name() + ": " + e,
                    store + " " + slot.name(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(slot, new CertpilotException("Interrupted while obtaining certificate " + slot.name(), e));
        }
    }

    /**
     * The store's lease of the slot's certificate, kept renewed while held; null if another instance holds it and
     * {@code wait} is false, else waits for it up to the issuance timeout.
     */
    LeaseKeeper.Held lease(CertificateSlot slot, boolean wait) throws IOException, InterruptedException {
        var deadline = System.nanoTime() + issuanceTimeout.plus(leaseDuration).toNanos();
        while (true) {
            var lease = store.tryLease(slot.name(), leaseDuration);
            if (lease.isPresent()) {
                return leases.keep(lease.get());
            }
            if (!wait) {
                return null;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new CertpilotException("Certificate " + slot.name() + " stayed leased by another instance "
                        + "sharing the store for " + issuanceTimeout.plus(leaseDuration) + "; try again later");
            }
            Thread.sleep(Math.min(1000, Math.max(50, leaseDuration.toMillis() / 20)));
        }
    }

    /** How soon a check that found the lease held by another instance comes back. */
    private Duration busyRetry() {
        return min(Duration.ofSeconds(5), leaseDuration.dividedBy(2));
    }

    /**
     * Retries storing a certificate that was issued and is served but could not be stored, under the store's
     * lease, without a new order; a newer one that another instance stored meanwhile wins.
     */
    void saveUnsaved(CertificateSlot slot) {
        var bundle = slot.unsaved;
        try (var lease = lease(slot, false)) {
            if (lease == null) {
                schedule(slot, clock.instant().plus(busyRetry()));
                return;
            }
            var stored = loader.loadUsable(slot.certificate, clock.instant());
            if (stored != null && !bundle.notAfter().isAfter(stored.notAfter())) {
                LOG.info("Certificate {}: another instance stored one at least as new (serial {}); serving it instead "
                        + "of the unsaved serial {}", slot.name(), SerialNumbers.hex(stored.serialNumber()),
                        SerialNumbers.hex(bundle.serialNumber()));
                saved(slot);
                succeed(slot, stored, bundle.serialNumber());
                return;
            }
            store.save(bundle, lease.lease());
            saved(slot);
            LOG.info("Stored certificate {} (serial {}), served from memory since its storing failed", slot.name(),
                    SerialNumbers.hex(bundle.serialNumber()));
            reset(slot);
            var now = clock.instant();
            schedule(slot, min(dueTimes.due(slot, StoredCertificate.of(bundle), bundle::leaf, now),
                    now.plus(policy.checkInterval())));
        } catch (IOException e) {
            fail(slot, unsaved(slot, bundle, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(slot, new CertpilotException("Interrupted while storing certificate " + slot.name(), e));
        }
    }

    /**
     * Serves {@code bundle}, issued but not stored, from memory, and has only its save retried: an issued certificate
     * is never thrown away (each new order counts against the CA's limits).
     */
    private void keepUnsaved(CertificateSlot slot, CertificateBundle bundle, CertificateBundle previous,
                             IOException cause) {
        serve(slot, bundle, serial(previous));
        if (!slot.removed && slot.unsavedCounted.compareAndSet(false, true) && unsavedCount.incrementAndGet() == 1) {
            LOG.error("The store {} cannot save ({}): certificates are served from memory and saved once it can, with "
                    + "a growing back-off; a restart before then orders them again. No new on-demand name is ordered "
                    + "meanwhile", store, cause.getMessage());
        }
        slot.unsaved = bundle;
        fail(slot, unsaved(slot, bundle, cause));
    }

    /** Records that {@code slot} has nothing unsaved any more: stored, superseded, or no longer managed. */
    void saved(CertificateSlot slot) {
        slot.unsaved = null;
        if (slot.unsavedCounted.compareAndSet(true, false) && unsavedCount.decrementAndGet() == 0) {
            LOG.info("The store {} saves again: every certificate served is stored", store);
        }
    }

    /** How many certificates are served from memory because the store could not save them. */
    int unsaved() {
        return unsavedCount.get();
    }

    private StorageException unsaved(CertificateSlot slot, CertificateBundle bundle, IOException cause) {
        return new StorageException("Certificate " + slot.name() + " (serial "
                + SerialNumbers.hex(bundle.serialNumber())
                + ") was issued and is served from memory, but storing it failed: " + cause.getMessage()
                + ". Retrying the save without a new order; until it succeeds a restart orders it again",
                store + " " + slot.name(), cause);
    }

    private void succeed(CertificateSlot slot, CertificateBundle bundle, BigInteger previousSerial) {
        var arrived = clock.instant();
        serve(slot, bundle, previousSerial);
        afterArrival(slot, bundle, arrived);
    }

    /** Makes {@code bundle} the one served and tells the listeners; not for a certificate unmanaged meanwhile. */
    private void serve(CertificateSlot slot, CertificateBundle bundle, BigInteger previousSerial) {
        slot.renewing = false;
        if (slot.removed) {
            return;
        }
        served.publish(bundle);
        var now = clock.instant();
        events.emit(previousSerial == null ? new CertificateEvent.Obtained(slot.name(), now, bundle)
                : new CertificateEvent.Renewed(slot.name(), now, bundle, previousSerial));
    }

    /** The leaf of the certificate served for {@code slot}, for asking its renewal window; null if none is stored. */
    X509Certificate leaf(CertificateSlot slot) {
        var bundle = served.inMemory(slot.name());
        if (bundle == null) {
            bundle = loader.loadUsable(slot.certificate, clock.instant()); // read for this once, not cached
        }
        return bundle == null ? null : bundle.leaf();
    }

    private static void reset(CertificateSlot slot) {
        slot.failures = 0;
        slot.issuerIndex = 0;
        slot.lastFailure = null;
    }

    /**
     * Schedules the next check of {@code bundle}, which just arrived; a bundle that is due on arrival
     * ({@link RenewalPolicy#dueOnArrival}) is a failure (counted, told, backed off), not a success to renew at once.
     */
    private void afterArrival(CertificateSlot slot, CertificateBundle bundle, Instant now) {
        var due = dueTimes.due(slot, StoredCertificate.of(bundle), bundle::leaf, now);
        if (RenewalPolicy.dueOnArrival(StoredCertificate.of(bundle), due, now)) {
            fail(slot, new CertpilotException("Certificate " + slot.name() + " (serial "
                    + SerialNumbers.hex(bundle.serialNumber()) + ") was due for renewal on arrival: "
                    + whyDue(slot, bundle, due, now) + ". It is served; the next order waits for the back-off"), false,
                    null);
            return;
        }
        reset(slot);
        schedule(slot, min(due, now.plus(policy.checkInterval())));
    }

    /** Records that a certificate the CA issued for {@code slot} arrived now; see {@link #holdBack}. */
    void arrived(CertificateSlot slot, CertificateBundle bundle, Instant now) {
        if (slot.arrivals.size() == RenewalPolicy.ORDERS_PER_LIFETIME) {
            slot.arrivals.removeFirst();
        }
        slot.arrivals.addLast(now);
        slot.lifetime = Duration.between(bundle.notBefore(), bundle.notAfter());
    }

    /**
     * Until when an order for {@code slot} that is not forced is held back: {@link RenewalPolicy#ORDERS_PER_LIFETIME}
     * certificates arrived within the lifetime of the latest; then until that lifetime has passed since the first of
     * them, but no later than half of it after the latest (which is still served). Null when it may go ahead. Counted
     * as a failure, with the reason and the back-off, so that the operator hears of it.
     */
    Instant holdBack(CertificateSlot slot, Instant now) {
        if (slot.arrivals.size() < RenewalPolicy.ORDERS_PER_LIFETIME) {
            return null;
        }
        var until = min(slot.arrivals.peekFirst().plus(slot.lifetime), slot.arrivals.peekLast().plus(
                slot.lifetime.dividedBy(2)));
        if (!now.isBefore(until)) {
            return null;
        }
        fail(slot, new CertpilotException("Certificate " + slot.name() + " was issued " + slot.arrivals.size()
                + " times within " + slot.lifetime + ", the lifetime of its certificates: no new order before "
                + until + ", unless renewNow asks for one. A name due again and again would otherwise be ordered in "
                + "a loop, and spend the account's limits"), false, until);
        return until;
    }

    /** Why {@code bundle}, which just arrived, is due at {@code due}: this host's clock, the CA's window, lifetime. */
    private String whyDue(CertificateSlot slot, CertificateBundle bundle, Instant due, Instant now) {
        var lifetime = Duration.between(bundle.notBefore(), bundle.notAfter());
        if (bundle.notBefore().isAfter(now.plus(CLOCK_TOLERANCE))) {
            return "this host's clock (" + now + ") is behind the CA's: the certificate starts at "
                    + bundle.notBefore() + ". Check the clock's time synchronization (NTP)";
        }
        if (Duration.between(bundle.notBefore(), now).compareTo(BACKDATING.plus(CLOCK_TOLERANCE)) > 0
                && lifetime.compareTo(Duration.ofDays(1)) > 0) {
            return "this host's clock (" + now + ") is ahead of the CA's: the new certificate started at "
                    + bundle.notBefore() + " (CAs backdate by an hour at most). Check the clock's time synchronization "
                    + "(NTP)";
        }
        if (bundle.serialNumber().equals(slot.ariSerial) && slot.ariDue != null && !slot.ariDue.isAfter(due)) {
            return "the CA's renewal information (ARI) for the new certificate places its renewal at " + slot.ariDue
                    + ", already past or within moments";
        }
        return "the CA issued it for only " + lifetime + ", so it falls due at " + due;
    }

    void fail(CertificateSlot slot, CertpilotException failure) {
        fail(slot, failure, true, null);
    }

    /**
     * Counts {@code failure}, tells the listeners and schedules the next attempt after the back-off; with
     * {@code nearExpiry}, the back-off is shortened so that a certificate close to its expiry gets more attempts
     * (not for a certificate that was due on arrival: that is how a loop would start); at {@code at} instead of
     * after the back-off, if given.
     */
    private void fail(CertificateSlot slot, CertpilotException failure, boolean nearExpiry, Instant at) {
        if (closed) {
            LOG.debug("Certificate {}: attempt stopped by close ({})", slot.name(), failure.getMessage());
            return;
        }
        slot.failures = slot.failures + 1;
        slot.lastFailure = failure;
        var now = clock.instant();
        var current = served.issuedInfo(slot.name());
        var delay = nearExpiry ? policy.backoff(slot.failures, random, current, now)
                : policy.backoff(slot.failures, random);
        if (failure instanceof StorageException) {
            // the store, not the CA, failed: no rate limit to spare, and a renewal may be close to the expiry; but a
            // store that stays down (a full disk) is not asked every 10 s for ever
            delay = min(delay, RenewalPolicy.storageBackoff(slot.failures));
        }
        var next = now.plus(delay);
        if (failure instanceof RateLimitedException limited && limited.retryAfter().isPresent()) {
            next = max(next, limited.retryAfter().get());
        }
        if (at != null) {
            next = at;
        }
        var caFailure = !(failure instanceof StorageException);
        if (caFailure && issuers.size() > 1 && slot.failures % policy.failoverAfter() == 0) {
            slot.issuerIndex = (slot.issuerIndex + 1) % issuers.size();
            LOG.warn("Certificate {} failed {} times in a row; trying {} next", slot.name(), slot.failures,
                    issuers.get(slot.issuerIndex).ca().directory());
        }
        events.emit(new CertificateEvent.Failed(slot.name(), now, failure, slot.failures, next));
        if (current != null && policy.expiring(current, now)) {
            events.emit(new CertificateEvent.Expiring(slot.name(), now, current.notAfter(),
                    Duration.between(now, current.notAfter())));
        }
        schedule(slot, next);
    }

    /** The issuers starting with the slot's current one. */
    List<Issuer> rotation(CertificateSlot slot) {
        var result = new ArrayList<Issuer>(issuers.size());
        for (int i = 0; i < issuers.size(); i++) {
            result.add(issuers.get((slot.issuerIndex + i) % issuers.size()));
        }
        return result;
    }

    void schedule(CertificateSlot slot, Instant at) {
        if (closed || slot.removed) {
            return;
        }
        queue.schedule(slot, at);
    }

    private static BigInteger serial(CertificateBundle bundle) {
        return bundle == null ? null : bundle.serialNumber();
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * Serves what another instance stored for {@code slot}, if it is newer than what is served here. Holding the
     * slot's lock.
     */
    void adoptStored(CertificateSlot slot) {
        var previous = served.issuedInfo(slot.name());
        var stored = loader.loadUsable(slot.certificate, clock.instant());
        if (stored != null && (previous == null || stored.notAfter().isAfter(previous.notAfter()))) {
            LOG.info("Certificate {} (serial {}) was obtained by another instance sharing the store; serving it",
                    slot.name(), SerialNumbers.hex(stored.serialNumber()));
            slot.issuedBy = null;
            saved(slot);
            succeed(slot, stored, previous == null ? null : previous.serial());
        }
    }
}
