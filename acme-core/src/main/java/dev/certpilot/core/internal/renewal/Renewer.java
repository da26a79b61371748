package dev.certpilot.core.internal.renewal;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertificateStatus;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.RevocationReason;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.tls.CertificateLoader;
import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Keeps every managed certificate current: one {@link CheckQueue} (a small pool bounding concurrent orders, never a
 * timer or thread per certificate) checks each certificate when it is due and has it renewed by the
 * {@link CertificateOrders}; certificates are added and removed while it runs ({@link CertificateSlots}), obtained on
 * demand, and the user's operations run here. Its other parts: the {@link CertificateLoader} (what is stored,
 * bootstrap certificates), the {@link DueTimes} (when each is due), the {@link EventDispatcher} (listeners and
 * the log), the {@link StoreWatcher} (what other instances store). Thread-safe; the state of one certificate is its
 * {@link CertificateSlot}, guarded by the slot's lock.
 */
public final class Renewer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    private static final Duration START_SPREAD = Duration.ofMinutes(5);

    private final CertificateStore store;
    private final List<Issuer> issuers;
    private final Clock clock;
    private final RenewalPolicy policy;
    private final ServedCertificates served;
    private final EventDispatcher events;
    /** Where the store's change feed was before the listing {@link #prepare} served; null without one. */
    private volatile String startPosition;
    private final DueTimes dueTimes;
    private final CertificateSlots slots;
    private final CertificateOrders orders;
    private final List<ManagedCertificate> configured;
    private final ScheduledThreadPoolExecutor scheduler;
    private final CheckQueue queue;
    private final RandomGenerator random;
    private final Object progress = new Object();
    private final ScheduledThreadPoolExecutor storeTasks;
    private final StoreWatcher watcher;
    private volatile BiFunction<String, Runnable, Boolean> stillAllowed;
    private volatile boolean adoptOnDemand;
    private volatile boolean started;
    private volatile boolean closed;

    /** @param responders the responders to order with (those that publish answers through the store) */
    public Renewer(ManagerSettings settings, List<Issuer> issuers, ServedCertificates served, CertificateLoader loader,
            List<ChallengeResponder> responders) {
        this.store = settings.store();
        this.issuers = List.copyOf(issuers);
        this.clock = settings.clock();
        this.policy = settings.policy();
        this.served = served;
        this.random = settings.random();
        this.events = new EventDispatcher(settings.listeners());
        this.dueTimes = new DueTimes(this.issuers, policy, random);
        this.slots = new CertificateSlots(served, settings.certificates().size());
        this.configured = settings.certificates();
        this.storeTasks = new ScheduledThreadPoolExecutor(1, task -> {
            var thread = new Thread(task, "certpilot-store");
            thread.setDaemon(true);
            return thread;
        });
        storeTasks.setRemoveOnCancelPolicy(true);
        this.watcher = new StoreWatcher(store, served, this, settings.storage().pollInterval(), storeTasks);
        var threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(settings.concurrentOrders(), task -> {
            var thread = new Thread(task, "certpilot-renewal-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.queue = new CheckQueue(scheduler, settings.concurrentOrders(), clock, this::check);
        this.orders = new CertificateOrders(settings, this.issuers, List.copyOf(responders), served, events,
                dueTimes, loader, queue, new LeaseKeeper(settings.storage().leaseDuration(), storeTasks));
        served.onUnusable(this::checkSoon);
        for (var certificate : configured) {
            slots.add(certificate, null, false, false);
        }
    }

    public void addListener(CertificateListener listener) {
        events.add(listener);
    }

    public void removeListener(CertificateListener listener) {
        events.remove(listener);
    }

    /**
     * Serves what storage holds and a bootstrap certificate for the others, without calling the CA. A store that
     * cannot be read (a database restarting during a rolling deploy) is no reason not to start: bootstrap
     * certificates are served, each certificate's first check finds the store down and backs off, and what the store
     * holds is served as soon as it answers (the store's watcher reads it then), with no new order.
     *
     * @return how many certificates wait for the CA or the store
     */
    public int prepare(boolean adoptOnDemand) {
        this.adoptOnDemand = adoptOnDemand;
        List<StoredCertificate> listing;
        startPosition = watcher.positionBeforeListing();
        try {
            listing = store.list();
        } catch (IOException e) {
            startPosition = null; // the watcher's first poll reads the whole listing
            LOG.error("Cannot read the certificate store {} ({}): serving bootstrap certificates, not ready, until it "
                    + "answers; what it holds is served then, without a new order", store, e.getMessage());
            for (var certificate : configured) {
                served.listed(certificate.name(), null);
            }
            return configured.size();
        }
        var now = clock.instant();
        var stored = 0;
        var onDemand = 0;
        var others = new ArrayList<StoredCertificate>();
        for (var entry : listing) {
            var slot = slots.get(entry.name());
            if (slot == null || slot.onDemand) {
                others.add(entry);
                continue;
            }
            var certificate = slot.certificate;
            var usable = entry.domains().equals(certificate.domains()) && entry.isValidAt(now);
            if (!usable) {
                LOG.info("Stored certificate {} ({}, valid {} to {}) is not usable for {}: obtaining a new one",
                        entry.name(), entry.domains(), entry.notBefore(), entry.notAfter(), certificate.domains());
            }
            served.listed(entry.name(), usable ? entry : null);
            stored += usable ? 1 : 0;
        }
        if (stored < configured.size()) {
            for (var certificate : configured) {
                served.listed(certificate.name(), null); // not stored: nothing more to ask the store at first use
            }
        }
        if (adoptOnDemand) {
            for (var entry : others) {
                var certificate = CertificateSlots.onDemandCertificate(entry);
                if (certificate != null && entry.isValidAt(now) && slots.add(certificate, entry, true, true) != null) {
                    onDemand++;
                }
            }
        }
        LOG.info("Serving {} stored certificates{}; {} wait for the CA", stored,
                onDemand > 0 ? " and " + onDemand + " obtained on demand" : "", configured.size() - stored);
        return configured.size() - stored;
    }

    /**
     * Manages {@code entry}, which the store's watcher found and no certificate here covers, if it is a certificate
     * obtained on demand and on-demand TLS is on: the instance that obtained it renews it, or any other if it is gone.
     */
    void discovered(StoredCertificate entry) {
        var certificate = adoptOnDemand ? CertificateSlots.onDemandCertificate(entry) : null;
        if (certificate != null && entry.isValidAt(clock.instant())) {
            var slot = slots.add(certificate, entry, true, true);
            if (slot != null && started) {
                queue.schedule(slot, min(policy.lifetimeDue(entry), clock.instant().plus(policy.checkInterval())));
            }
        }
    }

    /**
     * Schedules the first check of each certificate: at once for a missing one or one due by its lifetime;
     * spread at random over the first minutes for the others, whose check only asks the CA for a renewal window,
     * so that thousands of stored certificates don't all call the CA at start, but never later than due.
     */
    public void start() {
        started = true;
        watcher.start(startPosition);
        var now = clock.instant();
        // a few minutes, longer for many certificates (5 ms each: 200 renewal-window requests a second at most),
        // never longer than the check interval
        var spread = Math.max(1, Math.min(policy.checkInterval().toMillis(),
                Math.max(START_SPREAD.toMillis(), slots.size() * 5L)));
        var jitter = new SplittableRandom(random.nextLong()); // one draw per certificate: no lock, no entropy
        var batch = new ArrayList<>(slots.all());
        // an order of this instance's own among certificates due together (new names, all at once): instances
        // sharing a store start a batch at different names rather than all queueing for the same leases
        for (int i = batch.size() - 1; i > 0; i--) {
            Collections.swap(batch, i, jitter.nextInt(i + 1));
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).turn = i;
        }
        var times = new long[batch.size()];
        var nowMillis = now.toEpochMilli();
        for (int i = 0; i < times.length; i++) {
            var current = served.issuedInfo(batch.get(i).name());
            var dueAt = current == null ? nowMillis : policy.lifetimeDue(current).toEpochMilli();
            // the spread only moves a check earlier than its due time, never past it
            times[i] = nowMillis < dueAt ? Math.min(nowMillis + jitter.nextLong(spread), dueAt) : nowMillis;
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
    public List<CertificateSlot> manage(Collection<ManagedCertificate> certificates, boolean onDemand) {
        var result = slots.addAll(certificates, onDemand);
        if (started && !onDemand) {
            var now = clock.instant();
            result.forEach(slot -> queue.schedule(slot, now));
        }
        return result;
    }

    /**
     * Stops renewing and serving {@code names}; with {@code delete}, also deletes what the store holds for them,
     * under their lease (waiting for an order in progress here).
     *
     * @return the names that were managed
     */
    public List<String> unmanage(Collection<String> names, boolean delete) {
        return unmanage(names, delete, "unmanaged");
    }

    private List<String> unmanage(Collection<String> names, boolean delete, String reason) {
        var removed = slots.removeAll(names);
        removed.forEach(queue::cancel);
        removed.forEach(orders::saved); // what it could not store is no longer served
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
        try (var lease = orders.lease(slot, true)) {
            store.delete(slot.name(), lease.lease());
        } catch (IOException e) {
            throw new StorageException("Cannot delete certificate " + slot.name() + " from the store: "
                    + e.getMessage(), store + " " + slot.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CertpilotException("Interrupted while deleting certificate " + slot.name(), e);
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Asks {@code decision} before renewing a certificate obtained on demand: given the name and what to run once it
     * knows, it returns false only when the name is no longer allowed (not when it cannot tell), and the certificate
     * is then unmanaged and kept in the store; null while it is still asking, off this renewal worker.
     */
    void renewOnDemandIf(BiFunction<String, Runnable, Boolean> decision) {
        this.stillAllowed = decision;
    }

    /** How many certificates are managed. */
    public int size() {
        return slots.size();
    }

    /** Whether {@code name} is managed. */
    boolean manages(String name) {
        return slots.contains(name);
    }

    /** Whether {@code name} is managed and was obtained on demand. */
    boolean managesOnDemand(String name) {
        var slot = slots.get(name);
        return slot != null && slot.onDemand;
    }

    /** The managed certificate {@code name}, configured or obtained on demand, if there is one. */
    public Optional<ManagedCertificate> managed(String name) {
        var slot = slots.get(name);
        return slot == null ? Optional.empty() : Optional.of(slot.certificate);
    }

    /** The certificate {@code name} if it was configured (given to the builder or {@code manage}), not on demand. */
    public Optional<ManagedCertificate> configured(String name) {
        var slot = slots.get(name);
        return slot == null || slot.onDemand ? Optional.empty() : Optional.of(slot.certificate);
    }

    /** The managed certificates, in the order they were added. */
    public List<ManagedCertificate> managed() {
        return slots.sorted().stream().map(s -> s.certificate).toList();
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
            throw new CertpilotException("Certificate " + certificate.name()
                    + " was unmanaged while obtained on demand");
        }
        slot.lock.lock();
        try {
            var name = certificate.name();
            var stored = served.issuedInfo(name);
            if (stored != null) {
                LOG.info("Serving stored certificate {} on demand", name);
                orders.schedule(slot, min(policy.lifetimeDue(stored), clock.instant().plus(policy.checkInterval())));
                return served.issued(name);
            }
            if (orders.unsaved() > 0) {
                forget(name);
                throw new CertpilotException("the store cannot save (" + orders.unsaved() + " certificates are served "
                        + "from memory until it can): no new name is ordered meanwhile");
            }
            if (!permit.getAsBoolean()) {
                forget(name);
                throw new CertpilotException("the limit of new on-demand orders is reached; nothing was ordered or "
                        + "stored");
            }
            orders.obtain(slot, false, true);
            var issued = served.issued(name);
            if (issued != null) {
                return issued;
            }
            var failure = slot.lastFailure;
            forget(name);
            throw failure != null ? failure.rethrown()
                    : new CertpilotException("No certificate was obtained on demand for " + name);
        } finally {
            slot.lock.unlock();
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    /**
     * Stops managing {@code name}, added for an on-demand handshake that got no certificate: it never had one, so no
     * event tells of it (the on-demand issuer logs the refusal, rate-limited).
     */
    private void forget(String name) {
        for (var slot : slots.removeAll(List.of(name))) {
            queue.cancel(slot);
            orders.saved(slot);
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
    public void awaitCertificates(Duration timeout) throws InterruptedException {
        var deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (true) {
                var waiting = new ArrayList<String>();
                for (var slot : slots.sorted()) {
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
    public CertificateBundle renewNow(String name) {
        var slot = slots.require(name);
        attempt(slot, true);
        var failure = slot.lastFailure;
        if (failure != null) {
            throw failure.rethrown();
        }
        return served.issued(name);
    }

    /** Revokes the certificate served for {@code name} and orders a new one. */
    public void revoke(String name, RevocationReason reason) {
        var slot = slots.require(name);
        BigInteger serial;
        slot.lock.lock();
        try {
            var current = served.issued(slot.name());
            if (current == null) {
                throw new IllegalStateException("Certificate " + name + " has no certificate from the CA to revoke");
            }
            CertpilotException failure = null;
            for (var issuer : orders.rotation(slot)) {
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
    public void rollOverAccountKeys() {
        for (var issuer : issuers) {
            issuer.rollOverAccountKey();
        }
    }

    /** What is served and the renewal state: never waits for an order in progress. */
    public List<CertificateStatus> status() {
        var result = new ArrayList<CertificateStatus>();
        for (var slot : slots.sorted()) {
            var current = served.issuedInfo(slot.name());
            var failure = slot.lastFailure;
            var nextCheck = slot.nextCheck;
            result.add(new CertificateStatus(slot.name(), slot.certificate.domains(),
                    current == null ? null : current.serial(), current == null ? null : current.notAfter(),
                    current == null, closed || nextCheck == Long.MIN_VALUE ? null : Instant.ofEpochMilli(nextCheck),
                    slot.failures, failure == null ? null : failure.getMessage()));
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        orders.close();
        scheduler.shutdownNow();
        watcher.stop();
        storeTasks.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Renewal tasks still running 10 s after close; they stop at their next network timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
                orders.fail(slot, e instanceof CertpilotException certpilot ? certpilot
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
                orders.saveUnsaved(slot);
                return;
            }
            var current = served.issuedInfo(slot.name());
            if (!force && !slot.renewing && current != null) {
                var due = dueTimes.due(slot, current, () -> orders.leaf(slot), now);
                if (now.isBefore(due)) {
                    orders.schedule(slot, min(due, now.plus(policy.checkInterval())));
                    return;
                }
                var requested = dueTimes.requestedEarly(slot, current, now);
                if (requested.isPresent() && !current.serial().equals(slot.requestedSerial)) {
                    slot.requestedSerial = current.serial();
                    events.emit(new CertificateEvent.RenewalRequested(slot.name(), now, current.serial(),
                            requested.get().start(), requested.get().end(), requested.get().explanation()));
                }
            }
            if (!force && orders.holdBack(slot, now) != null) {
                return; // ordered too often lately: counted as a failure, scheduled after the window
            }
            var allowed = stillAllowed;
            if (slot.onDemand && !force && allowed != null) {
                var verdict = allowed.apply(slot.certificate.domains().get(0), () -> checkSoon(slot.name()));
                if (verdict == null) { // being asked off this thread; checked again once answered
                    orders.schedule(slot, now.plus(OnDemandIssuer.RENEWAL_DECISION).plusSeconds(1));
                    return;
                }
                if (!verdict) {
                    unmanage(List.of(slot.name()), false, "on-demand decision denies it");
                    return;
                }
            }
            orders.obtain(slot, force, false);
        } finally {
            slot.lock.unlock();
            synchronized (progress) {
                progress.notifyAll();
            }
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
            orders.adoptStored(slot);
            return true;
        } finally {
            slot.lock.unlock();
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
