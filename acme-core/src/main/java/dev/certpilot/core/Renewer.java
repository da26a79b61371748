package dev.certpilot.core;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Keeps every managed certificate current: one {@link CheckQueue} (a small pool bounding concurrent orders, never a
 * timer or thread per certificate) checks each certificate when it is due, obtains or renews it holding the store's
 * lease, retries failures with back-off and CA failover, and runs the user's operations. Certificates are added and
 * removed while it runs. Its parts: the {@link CertificateLoader} (what is stored, bootstrap certificates), the
 * {@link RenewalWindows} (when each is due), the {@link EventDispatcher} (listeners and the log), and the
 * {@link Issuer}s (the CAs). Thread-safe; the state of one certificate is its {@link CertificateSlot}, guarded by the
 * slot's lock.
 */
final class Renewer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    private static final Logger STORAGE_LOG = LoggerFactory.getLogger("dev.certpilot.storage");
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
    private final ConcurrentHashMap<String, CertificateSlot> slots = new ConcurrentHashMap<>();
    private final AtomicLong added = new AtomicLong();
    private final List<ManagedCertificate> configured;
    private final Object membership = new Object();
    private final ScheduledThreadPoolExecutor scheduler;
    private final CheckQueue queue;
    private final RandomGenerator random;
    private final Object progress = new Object();
    private final Duration leaseDuration;
    private final LeaseKeeper leases;
    private final ScheduledThreadPoolExecutor storeTasks;
    private final StoreWatcher watcher;
    private volatile Predicate<String> stillAllowed;
    private volatile boolean adoptOnDemand;
    private volatile boolean started;
    private volatile boolean closed;

    /** @param responders the responders to order with (those that publish answers through the store) */
    Renewer(ManagerSettings settings, List<Issuer> issuers, ServedCertificates served, CertificateLoader loader,
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
        this.loader = loader;
        this.configured = settings.certificates();
        this.leaseDuration = settings.leaseDuration();
        this.storeTasks = new ScheduledThreadPoolExecutor(1, task -> {
            var thread = new Thread(task, "certpilot-store");
            thread.setDaemon(true);
            return thread;
        });
        storeTasks.setRemoveOnCancelPolicy(true);
        this.leases = new LeaseKeeper(leaseDuration, storeTasks);
        this.watcher = new StoreWatcher(store, served, this, settings.storePollInterval(), storeTasks);
        var threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(settings.concurrentOrders(), task -> {
            var thread = new Thread(task, "certpilot-renewal-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.queue = new CheckQueue(scheduler, settings.concurrentOrders(), clock, this::check);
        served.onUnusable(this::checkSoon);
        for (var certificate : configured) {
            add(certificate, null, false, false);
        }
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
    void prepare(boolean adoptOnDemand) {
        this.adoptOnDemand = adoptOnDemand;
        if (store instanceof FileCertificateStore files) {
            files.problems().forEach(STORAGE_LOG::warn);
        }
        var listing = new HashMap<String, StoredCertificate>();
        try {
            for (var entry : store.list()) {
                listing.put(entry.name(), entry);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot list the stored certificates: " + e.getMessage(), store.toString(), e);
        }
        var now = clock.instant();
        var stored = 0;
        for (var certificate : configured) {
            var entry = listing.remove(certificate.name());
            var usable = entry != null && entry.domains().equals(certificate.domains()) && entry.isValidAt(now);
            if (entry != null && !usable) {
                LOG.info("Stored certificate {} ({}, valid {} to {}) is not usable for {}: obtaining a new one",
                        entry.name(), entry.domains(), entry.notBefore(), entry.notAfter(), certificate.domains());
            }
            served.listed(certificate.name(), usable ? entry : null);
            stored += usable ? 1 : 0;
        }
        var onDemand = 0;
        if (adoptOnDemand) {
            for (var entry : listing.values()) {
                var certificate = onDemandCertificate(entry);
                if (certificate != null && entry.isValidAt(now) && add(certificate, entry, true, true) != null) {
                    onDemand++;
                }
            }
        }
        LOG.info("Serving {} stored certificates{}; {} wait for the CA", stored,
                onDemand > 0 ? " and " + onDemand + " obtained on demand" : "", configured.size() - stored);
    }

    /**
     * Manages {@code entry}, which the store's watcher found and no certificate here covers, if it is a certificate
     * obtained on demand and on-demand TLS is on: the instance that obtained it renews it, or any other if it is gone.
     */
    void discovered(StoredCertificate entry) {
        var certificate = adoptOnDemand ? onDemandCertificate(entry) : null;
        if (certificate != null && entry.isValidAt(clock.instant())) {
            var slot = add(certificate, entry, true, true);
            if (slot != null && started) {
                queue.schedule(slot, min(policy.lifetimeDue(entry), clock.instant().plus(policy.checkInterval())));
            }
        }
    }

    /**
     * The certificate an on-demand order made for {@code entry}, which names it after its one domain; null if it
     * does not look like one.
     */
    static ManagedCertificate onDemandCertificate(StoredCertificate entry) {
        if (entry.domains().size() != 1) {
            return null;
        }
        try {
            var certificate = ManagedCertificate.of(entry.domains().get(0));
            return certificate.name().equals(entry.name()) && !certificate.hasWildcard() ? certificate : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Schedules the first check of each certificate: at once for a missing one or one due by its lifetime;
     * spread at random over the first minutes for the others, whose check only asks the CA for a renewal window,
     * so that thousands of stored certificates don't all call the CA at start, but never later than due.
     */
    void start() {
        started = true;
        watcher.start();
        var now = clock.instant();
        // a few minutes, longer for many certificates (5 ms each: 200 renewal-window requests a second at most),
        // never longer than the check interval
        var spread = Math.max(1, Math.min(policy.checkInterval().toMillis(),
                Math.max(START_SPREAD.toMillis(), slots.size() * 5L)));
        var jitter = new SplittableRandom(random.nextLong()); // one draw per certificate: no lock, no entropy
        var batch = new ArrayList<CertificateSlot>(slots.size());
        var times = new ArrayList<Instant>(slots.size());
        for (var slot : slots.values()) {
            var current = served.issuedInfo(slot.name());
            var dueAt = current == null ? now : policy.lifetimeDue(current);
            // the spread only moves a check earlier than its due time, never past it
            batch.add(slot);
            times.add(now.isBefore(dueAt) ? min(now.plusMillis(jitter.nextLong(spread)), dueAt) : now);
        }
        queue.scheduleAll(batch, times);
    }

    /**
     * Manages {@code certificates} too, from now on: served at once (what the store holds, else a bootstrap
     * certificate) and checked at once if started.
     *
     * @throws IllegalArgumentException if a name is managed already with other domains, or a domain is in another
     *                                  certificate; then none is added
     */
    List<CertificateSlot> manage(Collection<ManagedCertificate> certificates, boolean onDemand) {
        var result = new ArrayList<CertificateSlot>();
        synchronized (membership) {
            var names = new HashMap<String, ManagedCertificate>();
            var domains = new HashMap<String, String>();
            for (var certificate : certificates) {
                var existing = slots.get(certificate.name());
                var other = names.put(certificate.name(), certificate);
                if (existing != null && !existing.certificate.equals(certificate)
                        || other != null && !other.equals(certificate)) {
                    throw new IllegalArgumentException("Certificate '" + certificate.name() + "' is managed for "
                            + (existing != null ? existing.certificate : other).domains() + " already; unmanage it "
                            + "first to manage it for " + certificate.domains());
                }
                for (var domain : certificate.domains()) {
                    var owner = served.owner(domain);
                    owner = owner != null ? owner : domains.get(domain);
                    if (owner != null && !owner.equals(certificate.name())) {
                        throw new IllegalArgumentException("Domain " + domain + " is in certificates '" + owner
                                + "' and '" + certificate.name() + "': list it in one only");
                    }
                    domains.put(domain, certificate.name());
                }
            }
            for (var certificate : names.values()) {
                var slot = add(certificate, null, false, onDemand);
                if (slot != null) {
                    result.add(slot);
                }
            }
        }
        if (started && !onDemand) {
            var now = clock.instant();
            result.forEach(slot -> queue.schedule(slot, now));
        }
        return result;
    }

    /**
     * Adds a slot for {@code certificate} unless one exists; returns it, or null if it existed. {@code looked} says
     * whether the store's listing was read for it (else its first use reads the store).
     */
    private CertificateSlot add(ManagedCertificate certificate, StoredCertificate stored, boolean looked,
                                boolean onDemand) {
        synchronized (membership) {
            if (slots.containsKey(certificate.name())) {
                return null;
            }
            for (var domain : certificate.domains()) {
                if (served.owner(domain) != null) {
                    return null;
                }
            }
            var slot = new CertificateSlot(certificate, added.getAndIncrement(), onDemand);
            slots.put(certificate.name(), slot);
            served.add(certificate, stored, looked); // the one record of which certificate has which domain
            return slot;
        }
    }

    /**
     * Stops renewing and serving {@code names}; with {@code delete}, also deletes what the store holds for them,
     * under their lease (waiting for an order in progress here).
     *
     * @return the names that were managed
     */
    List<String> unmanage(Collection<String> names, boolean delete) {
        return unmanage(names, delete, "unmanaged");
    }

    private List<String> unmanage(Collection<String> names, boolean delete, String reason) {
        var removed = new ArrayList<CertificateSlot>();
        synchronized (membership) {
            for (var name : names) {
                var slot = slots.remove(name);
                if (slot == null) {
                    continue;
                }
                slot.removed = true;
                queue.cancel(slot);
                served.remove(name);
                removed.add(slot);
            }
        }
        StorageException failure = null;
        for (var slot : removed) {
            try {
                if (delete) {
                    delete(slot);
                }
                events.emit(new CertificateEvent.Unmanaged(slot.name(), clock.instant(), delete, reason));
            } catch (StorageException e) {
                failure = failure == null ? e : failure;
                events.emit(new CertificateEvent.Unmanaged(slot.name(), clock.instant(), false, reason));
            }
        }
        if (failure != null) {
            throw failure;
        }
        return removed.stream().map(CertificateSlot::name).toList();
    }

    private void delete(CertificateSlot slot) {
        slot.lock.lock();
        try (var lease = lease(slot, true)) {
            store.delete(slot.name(), lease.lease());
        } catch (IOException e) {
            throw new StorageException("Cannot delete certificate " + slot.name() + " from the store: " + e.getMessage(),
                    store + " " + slot.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CertpilotException("Interrupted while deleting certificate " + slot.name(), e);
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Asks {@code decision} before renewing a certificate obtained on demand; it returns false only when the name is
     * no longer allowed (not when it cannot tell), and the certificate is then unmanaged and kept in the store.
     */
    void renewOnDemandIf(Predicate<String> decision) {
        this.stillAllowed = decision;
    }

    /** How many certificates are managed. */
    int size() {
        return slots.size();
    }

    /** Whether {@code name} is managed. */
    boolean manages(String name) {
        return slots.containsKey(name);
    }

    /** The managed certificates, in the order they were added. */
    List<ManagedCertificate> managed() {
        return sortedSlots().stream().map(s -> s.certificate).toList();
    }

    private List<CertificateSlot> sortedSlots() {
        var result = new ArrayList<>(slots.values());
        result.sort(Comparator.comparingLong(s -> s.order));
        return result;
    }

    /**
     * Manages {@code certificate}, which a handshake asked for, and serves what the store holds for it or else orders
     * it now, on this thread, if {@code permit} allows a new order; waits for another instance that holds its lease.
     * A certificate that is not obtained is unmanaged again (the caller backs off).
     *
     * @throws CertpilotException if it could not be obtained
     */
    CertificateBundle obtainOnDemand(ManagedCertificate certificate, BooleanSupplier permit) {
        manage(List.of(certificate), true);
        var slot = slots.get(certificate.name());
        if (slot == null || !slot.onDemand) {
            throw new CertpilotException("Certificate " + certificate.name() + " was unmanaged while obtained on demand");
        }
        slot.lock.lock();
        try {
            var name = certificate.name();
            var stored = served.issuedInfo(name);
            if (stored != null) {
                LOG.info("Serving stored certificate {} on demand", name);
                schedule(slot, min(policy.lifetimeDue(stored), clock.instant().plus(policy.checkInterval())));
                return served.issued(name);
            }
            if (!permit.getAsBoolean()) {
                unmanage(List.of(name), false, "on-demand limit of new orders reached");
                throw new CertpilotException("The limit of new on-demand orders is reached; certificate " + name
                        + " is not ordered now");
            }
            obtain(slot, false, true);
            var issued = served.issued(name);
            if (issued != null) {
                return issued;
            }
            var failure = slot.lastFailure;
            unmanage(List.of(name), false, "on-demand order failed");
            throw failure != null ? failure.rethrown()
                    : new CertpilotException("No certificate was obtained on demand for " + name);
        } finally {
            slot.lock.unlock();
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    /** Checks {@code name} at once: its stored certificate turned out unusable at a handshake. */
    private void checkSoon(String name) {
        var slot = slots.get(name);
        if (slot != null && started && !closed) {
            queue.schedule(slot, clock.instant());
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
                for (var slot : sortedSlots()) {
                    if (served.issuedInfo(slot.name()) == null) {
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

    /** What is served and the renewal state: never waits for an order in progress. */
    List<CertificateStatus> status() {
        var result = new ArrayList<CertificateStatus>();
        for (var slot : sortedSlots()) {
            var current = served.issuedInfo(slot.name());
            var failure = slot.lastFailure;
            result.add(new CertificateStatus(slot.name(), slot.certificate.domains(),
                    current == null ? null : current.serial(), current == null ? null : current.notAfter(),
                    current == null, closed || slot.nextCheck == Long.MIN_VALUE ? null : Instant.ofEpochMilli(slot.nextCheck), slot.failures,
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
            var managed = slots.keySet().stream().sorted().limit(10).toList();
            throw new IllegalArgumentException("No managed certificate named '" + name + "'; managed: "
                    + managed + (slots.size() > 10 ? " and " + (slots.size() - 10) + " more" : ""));
        }
        return slot;
    }

    /** Runs at a slot's scheduled time: renews if due, else plans the next check. */
    private void check(CertificateSlot slot) {
        if (closed || slot.removed) {
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
            if (closed || slot.removed) {
                if (force) {
                    throw closed ? new IllegalStateException("CertificateManager is closed")
                            : new IllegalArgumentException("Certificate " + slot.name() + " was unmanaged");
                }
                return;
            }
            var now = clock.instant();
            if (!force && slot.unsaved != null) {
                saveUnsaved(slot);
                return;
            }
            var current = served.issuedInfo(slot.name());
            if (!force && !slot.renewing && current != null) {
                var due = windows.due(slot, current, () -> leaf(slot), now);
                if (now.isBefore(due)) {
                    schedule(slot, min(due, now.plus(policy.checkInterval())));
                    return;
                }
            }
            var allowed = stillAllowed;
            if (slot.onDemand && !force && allowed != null && !allowed.test(slot.certificate.domains().get(0))) {
                unmanage(List.of(slot.name()), false, "on-demand decision denies it");
                return;
            }
            obtain(slot, force, false);
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
    private void obtain(CertificateSlot slot, boolean force, boolean waitForLease) {
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
                    && clock.instant().isBefore(windows.known(slot, StoredCertificate.of(stored)))) {
                LOG.info("Certificate {} was renewed by another instance sharing the store; serving it", slot.name());
                slot.issuedBy = null; // which CA issued it is found when its renewal window is first asked for
                succeed(slot, stored, serial(previous));
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
                serve(slot, bundle, serial(previous));
                slot.unsaved = bundle;
                fail(slot, unsaved(slot, bundle, e));
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
            var stored = loader.loadUsable(slot.certificate, clock.instant());
            if (stored != null && stored.notAfter().isAfter(bundle.notAfter())) {
                LOG.info("Certificate {}: another instance stored a newer one; serving it instead of the unsaved "
                        + "serial {}", slot.name(), bundle.serialNumber().toString(16));
                slot.unsaved = null;
                succeed(slot, stored, bundle.serialNumber());
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
            var previous = served.issuedInfo(name);
            var stored = loader.loadUsable(slot.certificate, clock.instant());
            if (stored != null && (previous == null || stored.notAfter().isAfter(previous.notAfter()))) {
                LOG.info("Certificate {} (serial {}) was obtained by another instance sharing the store; serving it",
                        name, stored.serialNumber().toString(16));
                slot.issuedBy = null;
                slot.unsaved = null;
                succeed(slot, stored, previous == null ? null : previous.serial());
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

    private void succeed(CertificateSlot slot, CertificateBundle bundle, BigInteger previousSerial) {
        serve(slot, bundle, previousSerial);
        reset(slot);
        scheduleAfterSuccess(slot, bundle, clock.instant());
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
    private X509Certificate leaf(CertificateSlot slot) {
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

    private void scheduleAfterSuccess(CertificateSlot slot, CertificateBundle bundle, Instant now) {
        // a CA whose window is already open for a brand-new certificate must not be hammered: wait at least a
        // first retry's delay, or a twentieth of the lifetime for short-lived certificates
        var lifetime = Duration.between(bundle.notBefore(), bundle.notAfter());
        var pause = min(policy.retryInitial(), lifetime.dividedBy(20));
        var due = max(windows.due(slot, StoredCertificate.of(bundle), bundle::leaf, now), now.plus(pause));
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
        var current = served.issuedInfo(slot.name());
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
        if (closed || slot.removed) {
            return;
        }
        queue.schedule(slot, at);
    }

    private static BigInteger serial(CertificateBundle bundle) {
        return bundle == null ? null : bundle.serialNumber();
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
