package dev.certpilot.core;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;

/**
 * Keeps every managed certificate current: one scheduler (a small pool bounding concurrent orders, never a
 * thread per certificate) checks each certificate when it is due, obtains or renews it holding the store's lease,
 * retries failures with back-off and CA failover, and runs the user's operations. Its parts: the
 * {@link CertificateLoader} (what is stored, bootstrap certificates), the {@link RenewalWindows} (when each is
 * due), the {@link EventDispatcher} (listeners and the log), and the {@link Issuer}s (the CAs). Thread-safe; the
 * state of one certificate is its {@link CertificateSlot}, guarded by the slot's lock.
 */
final class Renewer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    private static final Duration START_SPREAD = Duration.ofMinutes(5);
    /** The longest wait before retrying after the store failed (a database restarting, a full disk). */
    private static final Duration STORAGE_RETRY = Duration.ofSeconds(10);

    private final CertificateStore store;
    private final List<Issuer> issuers;
    private final List<ChallengeResponder> responders;
    private final KeyType keyType;
    private final Clock clock;
    private final Duration issuanceTimeout;
    private final RenewalPolicy policy;
    private final ServedCertificates served;
    private final EventDispatcher events;
    private final RenewalWindows windows;
    private final CertificateLoader loader;
    private final Map<String, CertificateSlot> slots = new LinkedHashMap<>();
    private final ScheduledThreadPoolExecutor scheduler;
    private final RandomGenerator random;
    private final Object progress = new Object();
    private final Duration leaseDuration;
    private final LeaseKeeper leases;
    private final ScheduledThreadPoolExecutor storeTasks;
    private final StoreWatcher watcher;
    private volatile boolean closed;

    /** @param responders the responders to order with (those that publish answers through the store) */
    Renewer(ManagerSettings settings, List<Issuer> issuers, ServedCertificates served,
            List<ChallengeResponder> responders) {
        this.store = settings.store();
        this.issuers = List.copyOf(issuers);
        this.responders = List.copyOf(responders);
        this.keyType = settings.keyType();
        this.clock = settings.clock();
        this.issuanceTimeout = settings.issuanceTimeout();
        this.policy = settings.policy();
        this.served = served;
        this.random = settings.random();
        this.events = new EventDispatcher(settings.listeners());
        this.windows = new RenewalWindows(this.issuers, policy, random);
        this.loader = new CertificateLoader(store, keyType);
        this.leaseDuration = settings.leaseDuration();
        this.storeTasks = new ScheduledThreadPoolExecutor(1, task -> {
            var thread = new Thread(task, "certpilot-store");
            thread.setDaemon(true);
            return thread;
        });
        storeTasks.setRemoveOnCancelPolicy(true);
        this.leases = new LeaseKeeper(leaseDuration, storeTasks);
        this.watcher = new StoreWatcher(store, served, this, settings.storePollInterval(), storeTasks);
        for (var certificate : settings.certificates()) {
            slots.put(certificate.name(), new CertificateSlot(certificate));
        }
        var threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(settings.concurrentOrders(), task -> {
            var thread = new Thread(task, "certpilot-renewal-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    void addListener(CertificateListener listener) {
        events.add(listener);
    }

    void removeListener(CertificateListener listener) {
        events.remove(listener);
    }

    /**
     * Serves what storage holds and a bootstrap certificate for the others, without calling the CA.
     *
     * @throws StorageException if the store fails (a corrupted entry is not a failure: it is obtained again)
     */
    void prepare() {
        loader.loadAll(List.copyOf(slots.values()), clock.instant(), served);
    }

    /**
     * Schedules the first check of each certificate: at once for a missing one or one due by its lifetime;
     * spread at random over the first minutes for the others, whose check only asks the CA for a renewal window,
     * so that thousands of stored certificates don't all call the CA at start, but never later than due.
     */
    void start() {
        watcher.start(slots.keySet());
        var now = clock.instant();
        var spread = Math.max(1, Math.min(policy.checkInterval().toMillis(), START_SPREAD.toMillis()));
        for (var slot : slots.values()) {
            slot.lock.lock();
            try {
                var current = served.issued(slot.name());
                var dueAt = current == null ? now : policy.lifetimeDue(current);
                // the spread only moves a check earlier than its due time, never past it
                schedule(slot, now.isBefore(dueAt) ? min(now.plusMillis(random.nextLong(spread)), dueAt) : now);
            } finally {
                slot.lock.unlock();
            }
        }
    }

    /**
     * Waits until every certificate is served from the CA.
     *
     * @throws CertpilotException the latest failure of a certificate that has none yet, or a timeout
     */
    void awaitCertificates(Duration timeout) throws InterruptedException {
        var deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (true) {
                var waiting = new ArrayList<String>();
                for (var slot : slots.values()) {
                    if (served.issued(slot.name()) == null) {
                        var failure = slot.lastFailure;
                        if (failure != null) {
                            throw failure.rethrown();
                        }
                        waiting.add(slot.name());
                    }
                }
                if (waiting.isEmpty()) {
                    return;
                }
                var left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new CertpilotException("No certificate yet for " + waiting + " after " + timeout
                            + "; the manager keeps trying in the background");
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
        }
    }

    /** Orders a new certificate for {@code name} now, on this thread. */
    CertificateBundle renewNow(String name) {
        var slot = slot(name);
        attempt(slot, true);
        var failure = slot.lastFailure;
        if (failure != null) {
            throw failure.rethrown();
        }
        return served.issued(name);
    }

    /** Revokes the certificate served for {@code name} and orders a new one. */
    void revoke(String name, RevocationReason reason) {
        var slot = slot(name);
        BigInteger serial;
        slot.lock.lock();
        try {
            var current = served.issued(slot.name());
            if (current == null) {
                throw new IllegalStateException("Certificate " + name + " has no certificate from the CA to revoke");
            }
            CertpilotException failure = null;
            for (var issuer : rotation(slot)) {
                try {
                    issuer.revoke(current.leaf(), reason);
                    failure = null;
                    break;
                } catch (CertpilotException e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
            serial = current.serialNumber();
            events.emit(new CertificateEvent.Revoked(name, clock.instant(), serial, reason));
        } finally {
            slot.lock.unlock();
        }
        renewNow(name);
    }

    /** Rolls over the account key at every configured CA. */
    void rollOverAccountKeys() {
        for (var issuer : issuers) {
            issuer.rollOverAccountKey();
        }
    }

    /** What is served, from one snapshot, and the renewal state: never waits for an order in progress. */
    List<CertificateStatus> status() {
        var result = new ArrayList<CertificateStatus>();
        var snapshot = served.snapshot();
        for (var slot : slots.values()) {
            var current = snapshot.byName(slot.name()).orElse(null);
            var failure = slot.lastFailure;
            result.add(new CertificateStatus(slot.name(), slot.certificate.domains(),
                    current == null ? null : current.serialNumber(), current == null ? null : current.notAfter(),
                    snapshot.isBootstrap(slot.name()), closed ? null : slot.nextCheck, slot.failures,
                    failure == null ? null : failure.getMessage()));
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        storeTasks.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Renewal tasks still running 10 s after close; they stop at their next network timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CertificateSlot slot(String name) {
        var slot = slots.get(name);
        if (slot == null) {
            var configured = slots.keySet().stream().limit(10).toList();
            throw new IllegalArgumentException("No managed certificate named '" + name + "'; configured: "
                    + configured + (slots.size() > 10 ? " and " + (slots.size() - 10) + " more" : ""));
        }
        return slot;
    }

    /** Runs at a slot's scheduled time: renews if due, else plans the next check. */
    private void check(CertificateSlot slot) {
        if (closed) {
            return;
        }
        try {
            attempt(slot, false);
        } catch (RuntimeException e) {
            // a failure outside an order (reading the store, asking for a renewal window): counted all the same
            slot.lock.lock();
            try {
                fail(slot, e instanceof CertpilotException certpilot ? certpilot
                        : new CertpilotException("Checking certificate " + slot.name() + " failed: " + e, e));
            } finally {
                slot.lock.unlock();
            }
        }
    }

    private void attempt(CertificateSlot slot, boolean force) {
        slot.lock.lock();
        try {
            if (closed) {
                if (force) {
                    throw new IllegalStateException("CertificateManager is closed");
                }
                return;
            }
            var now = clock.instant();
            if (!force && slot.unsaved != null) {
                saveUnsaved(slot);
                return;
            }
            var current = served.issued(slot.name());
            if (!force && !slot.renewing && current != null) {
                var due = windows.due(slot, current, now);
                if (now.isBefore(due)) {
                    schedule(slot, min(due, now.plus(policy.checkInterval())));
                    return;
                }
            }
            obtain(slot, force, now);
        } finally {
            slot.lock.unlock();
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    /**
     * Orders a certificate holding the store's lease of it, unless another instance stored a fresh one meanwhile.
     * While another instance holds the lease, a scheduled check only comes back a little later (the store's
     * watcher serves what that instance stores); a forced one waits for the lease.
     */
    private void obtain(CertificateSlot slot, boolean force, Instant started) {
        var issuer = issuers.get(slot.issuerIndex);
        var previous = served.issued(slot.name());
        try (var lease = lease(slot, force)) {
            if (lease == null) {
                LOG.debug("Certificate {} is being obtained by another instance sharing the store", slot.name());
                schedule(slot, clock.instant().plus(busyRetry()));
                return;
            }
            var stored = loader.loadUsable(slot, clock.instant());
            // no network call while holding the lease: the lifetime rule, or a renewal window already known
            if (stored != null && !force && (previous == null || !stored.serialNumber().equals(previous.serialNumber()))
                    && clock.instant().isBefore(windows.known(slot, stored))) {
                LOG.info("Certificate {} was renewed by another instance sharing the store; serving it", slot.name());
                slot.issuedBy = null; // which CA issued it is found when its renewal window is first asked for
                succeed(slot, stored, previous);
                return;
            }
            slot.renewing = true; // retries continue until a certificate is obtained, due or not
            events.emit(new CertificateEvent.Obtaining(slot.name(), clock.instant(), slot.certificate.domains(),
                    issuer.ca().directory(), slot.failures + 1, previous != null));
            var key = keyType.generate();
            var clockStart = System.nanoTime();
            var chain = issuer.issue(slot.certificate, key, responders, issuanceTimeout,
                    previous == null ? null : previous.leaf());
            var bundle = new CertificateBundle(slot.name(), slot.certificate.domains(), chain, key.getPrivate());
            if (!KeyPairs.matches(bundle.leaf().getPublicKey(), key.getPrivate())) {
                throw new AcmeServerException("The CA " + issuer.ca().directory() + " returned a certificate (serial "
                        + bundle.serialNumber().toString(16) + ") for another key than the one ordered; not served",
                        issuer.ca().directory(), null, null);
            }
            LOG.debug("Certificate {} took {} ms", slot.name(), (System.nanoTime() - clockStart) / 1_000_000);
            slot.issuedBy = issuer;
            try {
                store.save(bundle, lease.lease());
            } catch (IOException e) {
                // never throw an issued certificate away (each new order counts against the CA's limits):
                // serve it from memory and retry only the save (a lost lease included: the newer one wins then)
                serve(slot, bundle, previous);
                slot.unsaved = bundle;
                fail(slot, unsaved(slot, bundle, e));
                return;
            }
            succeed(slot, bundle, previous);
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
    private LeaseKeeper.Held lease(CertificateSlot slot, boolean wait) throws IOException, InterruptedException {
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
    private void saveUnsaved(CertificateSlot slot) {
        var bundle = slot.unsaved;
        try (var lease = lease(slot, false)) {
            if (lease == null) {
                schedule(slot, clock.instant().plus(busyRetry()));
                return;
            }
            var stored = loader.loadUsable(slot, clock.instant());
            if (stored != null && stored.notAfter().isAfter(bundle.notAfter())) {
                LOG.info("Certificate {}: another instance stored a newer one; serving it instead of the unsaved "
                        + "serial {}", slot.name(), bundle.serialNumber().toString(16));
                slot.unsaved = null;
                succeed(slot, stored, bundle);
                return;
            }
            store.save(bundle, lease.lease());
            slot.unsaved = null;
            LOG.info("Stored certificate {} (serial {}), served from memory since its storing failed", slot.name(),
                    bundle.serialNumber().toString(16));
            reset(slot);
            scheduleAfterSuccess(slot, bundle, clock.instant());
        } catch (IOException e) {
            fail(slot, unsaved(slot, bundle, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(slot, new CertpilotException("Interrupted while storing certificate " + slot.name(), e));
        }
    }

    /**
     * Serves what another instance stored for {@code slot}, if it is newer than what is served here: called by the
     * store's watcher when the store changed.
     *
     * @return false if the slot was busy (an attempt runs here) and the caller should look again later
     */
    boolean adopt(String name) {
        var slot = slots.get(name);
        if (slot == null || closed) {
            return true;
        }
        if (!slot.lock.tryLock()) {
            return false;
        }
        try {
            var previous = served.issued(name);
            var stored = loader.loadUsable(slot, clock.instant());
            if (stored != null && (previous == null || stored.notAfter().isAfter(previous.notAfter()))) {
                LOG.info("Certificate {} (serial {}) was obtained by another instance sharing the store; serving it",
                        name, stored.serialNumber().toString(16));
                slot.issuedBy = null;
                slot.unsaved = null;
                succeed(slot, stored, previous);
            }
            return true;
        } finally {
            slot.lock.unlock();
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private StorageException unsaved(CertificateSlot slot, CertificateBundle bundle, IOException cause) {
        return new StorageException("Certificate " + slot.name() + " (serial " + bundle.serialNumber().toString(16)
                + ") was issued and is served from memory, but storing it failed: " + cause.getMessage()
                + ". Retrying the save without a new order; until it succeeds a restart orders it again",
                store + " " + slot.name(), cause);
    }

    private void succeed(CertificateSlot slot, CertificateBundle bundle, CertificateBundle previous) {
        serve(slot, bundle, previous);
        reset(slot);
        scheduleAfterSuccess(slot, bundle, clock.instant());
    }

    /** Makes {@code bundle} the one served and tells the listeners. */
    private void serve(CertificateSlot slot, CertificateBundle bundle, CertificateBundle previous) {
        slot.renewing = false;
        served.publish(bundle);
        var now = clock.instant();
        events.emit(previous == null ? new CertificateEvent.Obtained(slot.name(), now, bundle)
                : new CertificateEvent.Renewed(slot.name(), now, bundle, previous.serialNumber()));
    }

    private static void reset(CertificateSlot slot) {
        slot.failures = 0;
        slot.issuerIndex = 0;
        slot.lastFailure = null;
    }

    private void scheduleAfterSuccess(CertificateSlot slot, CertificateBundle bundle, Instant now) {
        // a CA whose window is already open for a brand-new certificate must not be hammered: wait at least a
        // first retry's delay, or a twentieth of the lifetime for short-lived certificates
        var lifetime = Duration.between(bundle.notBefore(), bundle.notAfter());
        var pause = min(policy.retryInitial(), lifetime.dividedBy(20));
        var due = max(windows.due(slot, bundle, now), now.plus(pause));
        schedule(slot, min(due, now.plus(policy.checkInterval())));
    }

    private void fail(CertificateSlot slot, CertpilotException failure) {
        if (closed) {
            LOG.debug("Certificate {}: attempt stopped by close ({})", slot.name(), failure.getMessage());
            return;
        }
        slot.failures = slot.failures + 1;
        slot.lastFailure = failure;
        var now = clock.instant();
        var delay = policy.backoff(slot.failures, random);
        if (failure instanceof StorageException) {
            // the store, not the CA, failed: no rate limit to spare, and a renewal may be close to the expiry
            delay = min(delay, STORAGE_RETRY);
        }
        var next = now.plus(delay);
        if (failure instanceof RateLimitedException limited && limited.retryAfter().isPresent()) {
            next = max(next, limited.retryAfter().get());
        }
        var caFailure = !(failure instanceof StorageException);
        if (caFailure && issuers.size() > 1 && slot.failures % policy.failoverAfter() == 0) {
            slot.issuerIndex = (slot.issuerIndex + 1) % issuers.size();
            LOG.warn("Certificate {} failed {} times in a row; trying {} next", slot.name(), slot.failures,
                    issuers.get(slot.issuerIndex).ca().directory());
        }
        events.emit(new CertificateEvent.Failed(slot.name(), now, failure, slot.failures, next));
        var current = served.issued(slot.name());
        if (current != null && policy.expiring(current, now)) {
            events.emit(new CertificateEvent.Expiring(slot.name(), now, current.notAfter(),
                    Duration.between(now, current.notAfter())));
        }
        schedule(slot, next);
    }

    /** The issuers starting with the slot's current one. */
    private List<Issuer> rotation(CertificateSlot slot) {
        var result = new ArrayList<Issuer>(issuers.size());
        for (int i = 0; i < issuers.size(); i++) {
            result.add(issuers.get((slot.issuerIndex + i) % issuers.size()));
        }
        return result;
    }

    private void schedule(CertificateSlot slot, Instant at) {
        if (slot.next != null) {
            slot.next.cancel(false);
        }
        slot.nextCheck = at;
        if (closed) {
            return;
        }
        var delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        slot.next = scheduler.schedule(() -> check(slot), delay, TimeUnit.MILLISECONDS);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
