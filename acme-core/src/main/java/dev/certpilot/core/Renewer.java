package dev.certpilot.core;

import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.CorruptedEntryException;

/**
 * Keeps every managed certificate current: one scheduler (a small pool bounding concurrent orders, never a
 * thread per certificate) checks each certificate when it is due, obtains or renews it under the store's lock,
 * retries failures with back-off and CA failover, and reports events. Thread-safe; the state of one certificate
 * is guarded by its slot's lock.
 */
final class Renewer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    private static final Logger STORAGE_LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    private static final Duration ARI_REFRESH = Duration.ofHours(6);
    private static final Duration START_SPREAD = Duration.ofMinutes(5);

    private final CertificateStore store;
    private final List<Issuer> issuers;
    private final List<ChallengeResponder> responders;
    private final KeyType keyType;
    private final Clock clock;
    private final Duration issuanceTimeout;
    private final RenewalPolicy policy;
    private final Consumer<Collection<CertificateBundle>> publisher;
    private final List<CertificateListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final ScheduledThreadPoolExecutor scheduler;
    private final RandomGenerator random;
    private final Object progress = new Object();
    private final Object bootstrapGuard = new Object();
    private KeyPair bootstrapKeys; // guarded by bootstrapGuard
    private volatile boolean closed;

    Renewer(List<ManagedCertificate> certificates, CertificateStore store, List<Issuer> issuers,
            List<ChallengeResponder> responders, KeyType keyType, Clock clock, Duration issuanceTimeout,
            RenewalPolicy policy, int concurrentOrders, List<CertificateListener> listeners,
            Consumer<Collection<CertificateBundle>> publisher, RandomGenerator random) {
        this.store = store;
        this.issuers = List.copyOf(issuers);
        this.responders = List.copyOf(responders);
        this.keyType = keyType;
        this.clock = clock;
        this.issuanceTimeout = issuanceTimeout;
        this.policy = policy;
        this.publisher = publisher;
        this.random = random;
        this.listeners.addAll(listeners);
        for (var certificate : certificates) {
            slots.put(certificate.name(), new Slot(certificate));
        }
        var threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(concurrentOrders, task -> {
            var thread = new Thread(task, "certpilot-renewal-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    void addListener(CertificateListener listener) {
        listeners.add(listener);
    }

    void removeListener(CertificateListener listener) {
        listeners.remove(listener);
    }

    /**
     * Serves what storage holds and a bootstrap certificate for the others, without calling the CA.
     *
     * @throws StorageException if the store fails (a corrupted entry is not a failure: it is obtained again)
     */
    void prepare() {
        if (store instanceof FileCertificateStore files) {
            files.problems().forEach(STORAGE_LOG::warn);
        }
        var now = clock.instant();
        var list = List.copyOf(slots.values());
        var served = new CertificateBundle[list.size()];
        var bootstrapped = new AtomicInteger();
        // parsing is CPU-bound: spread it over the cores, then publish everything in one snapshot
        var threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), list.size() / 256));
        var chunk = (list.size() + threads - 1) / threads;
        var tasks = new ArrayList<Callable<Void>>();
        for (int from = 0; from < list.size(); from += chunk) {
            var start = from;
            var end = Math.min(list.size(), from + chunk);
            tasks.add(() -> {
                for (int i = start; i < end; i++) {
                    served[i] = prepare(list.get(i), now, bootstrapped);
                }
                return null;
            });
        }
        if (tasks.size() == 1) {
            call(tasks.get(0));
        } else {
            var pool = Executors.newFixedThreadPool(tasks.size(), task -> {
                var thread = new Thread(task, "certpilot-load");
                thread.setDaemon(true);
                return thread;
            });
            try {
                for (var future : pool.invokeAll(tasks)) {
                    try {
                        future.get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException r ? r
                                : new CertpilotException("Loading certificates failed", e.getCause());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CertpilotException("Interrupted while loading certificates", e);
            } finally {
                pool.shutdownNow();
            }
        }
        publisher.accept(List.of(served));
        LOG.info("Serving {} stored certificates and {} bootstrap certificates", served.length - bootstrapped.get(),
                bootstrapped.get());
    }

    private CertificateBundle prepare(Slot slot, Instant now, AtomicInteger bootstrapped) {
        slot.lock.lock();
        try {
            var stored = loadUsable(slot, now);
            if (stored != null) {
                slot.current = stored;
                LOG.debug("Serving stored certificate {} (serial {}, valid until {})", slot.name(),
                        stored.serialNumber().toString(16), stored.notAfter());
                return stored;
            }
            bootstrapped.incrementAndGet();
            LOG.info("Serving a self-signed bootstrap certificate for {} until one is obtained",
                    slot.certificate.domains());
            return SelfSigned.bootstrap(slot.certificate, bootstrapKeys(), now);
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * One key pair, of the configured key type, for every bootstrap certificate of this manager: they are
     * throwaways, and an RSA key takes long to make.
     */
    private KeyPair bootstrapKeys() {
        synchronized (bootstrapGuard) {
            if (bootstrapKeys == null) {
                bootstrapKeys = keyType.generate();
            }
            return bootstrapKeys;
        }
    }

    private static void call(Callable<Void> task) {
        try {
            task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CertpilotException("Loading certificates failed", e);
        }
    }

    /**
     * Schedules the first check of each certificate: at once for a missing one or one due by its lifetime;
     * spread at random over the first minutes for the others, whose check only asks the CA for a renewal window,
     * so that thousands of stored certificates don't all call the CA at start, but never later than due.
     */
    void start() {
        var now = clock.instant();
        var spread = Math.max(1, Math.min(policy.checkInterval().toMillis(), START_SPREAD.toMillis()));
        for (var slot : slots.values()) {
            slot.lock.lock();
            try {
                var current = slot.current;
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
                    if (slot.current == null) {
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
        return slot.current;
    }

    /** Revokes the certificate served for {@code name} and orders a new one. */
    void revoke(String name, RevocationReason reason) {
        var slot = slot(name);
        BigInteger serial;
        slot.lock.lock();
        try {
            var current = slot.current;
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
            emit(new CertificateEvent.Revoked(name, clock.instant(), serial, reason));
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

    /** Reads volatile state only: never waits for an order in progress. */
    List<CertificateStatus> status() {
        var result = new ArrayList<CertificateStatus>();
        for (var slot : slots.values()) {
            var current = slot.current;
            var failure = slot.lastFailure;
            result.add(new CertificateStatus(slot.name(), slot.certificate.domains(),
                    current == null ? null : current.serialNumber(), current == null ? null : current.notAfter(),
                    current == null, closed ? null : slot.nextCheck, slot.failures,
                    failure == null ? null : failure.getMessage()));
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Renewal tasks still running 10 s after close; they stop at their next network timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Slot slot(String name) {
        var slot = slots.get(name);
        if (slot == null) {
            var configured = slots.keySet().stream().limit(10).toList();
            throw new IllegalArgumentException("No managed certificate named '" + name + "'; configured: "
                    + configured + (slots.size() > 10 ? " and " + (slots.size() - 10) + " more" : ""));
        }
        return slot;
    }

    /** Runs at a slot's scheduled time: renews if due, else plans the next check. */
    private void check(Slot slot) {
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

    private void attempt(Slot slot, boolean force) {
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
            if (!force && !slot.renewing && slot.current != null) {
                var due = dueAt(slot, slot.current, now);
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

    /** Orders a certificate under the store's lock, unless another instance stored a fresh one meanwhile. */
    private void obtain(Slot slot, boolean force, Instant started) {
        var issuer = issuers.get(slot.issuerIndex);
        var previous = slot.current;
        try (var ignored = store.lock(slot.name(), issuanceTimeout.plusMinutes(1))) {
            var stored = loadUsable(slot, clock.instant());
            // no network call while the store is locked: the lifetime rule, or a renewal window already known
            if (stored != null && !force && (previous == null || !stored.serialNumber().equals(previous.serialNumber()))
                    && clock.instant().isBefore(knownDueAt(slot, stored))) {
                LOG.info("Certificate {} was renewed by another instance sharing the store; serving it", slot.name());
                slot.issuedBy = null; // which CA issued it is found when its renewal window is first asked for
                succeed(slot, stored, previous);
                return;
            }
            slot.renewing = true; // retries continue until a certificate is obtained, due or not
            emit(new CertificateEvent.Obtaining(slot.name(), clock.instant(), slot.certificate.domains(),
                    issuer.ca().directory(), slot.failures + 1, previous != null));
            var key = keyType.generate();
            var clockStart = System.nanoTime();
            var chain = issuer.issue(slot.certificate, key, responders, issuanceTimeout,
                    previous == null ? null : previous.leaf());
            var bundle = new CertificateBundle(slot.name(), slot.certificate.domains(), chain, key.getPrivate());
            LOG.debug("Certificate {} took {} ms", slot.name(), (System.nanoTime() - clockStart) / 1_000_000);
            slot.issuedBy = issuer;
            try {
                store.save(bundle);
            } catch (IOException e) {
                // never throw an issued certificate away (each new order counts against the CA's limits):
                // serve it from memory and retry only the save
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
            fail(slot, new StorageException("Cannot lock certificate " + slot.name() + ": " + e,
                    store + " " + slot.name(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(slot, new CertpilotException("Interrupted while obtaining certificate " + slot.name(), e));
        }
    }

    /**
     * Retries storing a certificate that was issued and is served but could not be stored, under the store's lock,
     * without a new order; a newer one that another instance stored meanwhile wins.
     */
    private void saveUnsaved(Slot slot) {
        var bundle = slot.unsaved;
        try (var ignored = store.lock(slot.name(), issuanceTimeout.plusMinutes(1))) {
            var stored = loadUsable(slot, clock.instant());
            if (stored != null && stored.notAfter().isAfter(bundle.notAfter())) {
                LOG.info("Certificate {}: another instance stored a newer one; serving it instead of the unsaved "
                        + "serial {}", slot.name(), bundle.serialNumber().toString(16));
                slot.unsaved = null;
                succeed(slot, stored, bundle);
                return;
            }
            store.save(bundle);
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

    private StorageException unsaved(Slot slot, CertificateBundle bundle, IOException cause) {
        return new StorageException("Certificate " + slot.name() + " (serial " + bundle.serialNumber().toString(16)
                + ") was issued and is served from memory, but storing it failed: " + cause.getMessage()
                + ". Retrying the save without a new order; until it succeeds a restart orders it again",
                store + " " + slot.name(), cause);
    }

    private void succeed(Slot slot, CertificateBundle bundle, CertificateBundle previous) {
        serve(slot, bundle, previous);
        reset(slot);
        scheduleAfterSuccess(slot, bundle, clock.instant());
    }

    /** Makes {@code bundle} the one served and tells the listeners. */
    private void serve(Slot slot, CertificateBundle bundle, CertificateBundle previous) {
        slot.current = bundle;
        slot.renewing = false;
        publisher.accept(List.of(bundle));
        var now = clock.instant();
        emit(previous == null ? new CertificateEvent.Obtained(slot.name(), now, bundle)
                : new CertificateEvent.Renewed(slot.name(), now, bundle, previous.serialNumber()));
    }

    private static void reset(Slot slot) {
        slot.failures = 0;
        slot.issuerIndex = 0;
        slot.lastFailure = null;
    }

    private void scheduleAfterSuccess(Slot slot, CertificateBundle bundle, Instant now) {
        // a CA whose window is already open for a brand-new certificate must not be hammered: wait at least a
        // first retry's delay, or a twentieth of the lifetime for short-lived certificates
        var lifetime = Duration.between(bundle.notBefore(), bundle.notAfter());
        var pause = min(policy.retryInitial(), lifetime.dividedBy(20));
        var due = max(dueAt(slot, bundle, now), now.plus(pause));
        schedule(slot, min(due, now.plus(policy.checkInterval())));
    }

    private void fail(Slot slot, CertpilotException failure) {
        if (closed) {
            LOG.debug("Certificate {}: attempt stopped by close ({})", slot.name(), failure.getMessage());
            return;
        }
        slot.failures = slot.failures + 1;
        slot.lastFailure = failure;
        var now = clock.instant();
        var next = now.plus(policy.backoff(slot.failures, random));
        if (failure instanceof RateLimitedException limited && limited.retryAfter().isPresent()) {
            next = max(next, limited.retryAfter().get());
        }
        var caFailure = !(failure instanceof StorageException);
        if (caFailure && issuers.size() > 1 && slot.failures % policy.failoverAfter() == 0) {
            slot.issuerIndex = (slot.issuerIndex + 1) % issuers.size();
            LOG.warn("Certificate {} failed {} times in a row; trying {} next", slot.name(), slot.failures,
                    issuers.get(slot.issuerIndex).ca().directory());
        }
        emit(new CertificateEvent.Failed(slot.name(), now, failure, slot.failures, next));
        var current = slot.current;
        if (current != null && policy.expiring(current, now)) {
            emit(new CertificateEvent.Expiring(slot.name(), now, current.notAfter(),
                    Duration.between(now, current.notAfter())));
        }
        schedule(slot, next);
    }

    /** When {@code bundle} is due by what is known without asking the CA: its renewal window, else its lifetime. */
    private Instant knownDueAt(Slot slot, CertificateBundle bundle) {
        return bundle.serialNumber().equals(slot.ariSerial) && slot.ariDue != null ? slot.ariDue
                : policy.lifetimeDue(bundle);
    }

    /**
     * The renewal window of {@code bundle} from the CA that issued it: the one that did, when this manager
     * obtained it; else the first configured CA that knows the certificate (a CA answers ARI only for its own).
     */
    private Optional<RenewalWindow> renewalWindow(Slot slot, CertificateBundle bundle) {
        if (slot.issuedBy != null) {
            return slot.issuedBy.renewalWindow(bundle.leaf());
        }
        CertpilotException unknown = null;
        for (var issuer : issuers) {
            try {
                var window = issuer.renewalWindow(bundle.leaf());
                if (window.isPresent()) {
                    slot.issuedBy = issuer;
                    return window;
                }
            } catch (CertpilotException e) {
                unknown = e; // not this CA's certificate, or no answer: ask the next
            }
        }
        if (unknown != null) {
            throw unknown;
        }
        return Optional.empty();
    }

    /** When {@code bundle} should be renewed: in the CA's ARI window when it offers one, else by lifetime. */
    private Instant dueAt(Slot slot, CertificateBundle bundle, Instant now) {
        if (!bundle.serialNumber().equals(slot.ariSerial) || slot.ariRefresh == null || !now.isBefore(slot.ariRefresh)) {
            slot.ariSerial = bundle.serialNumber();
            slot.ariDue = null;
            slot.ariRefresh = now.plus(ARI_REFRESH);
            try {
                var window = renewalWindow(slot, bundle);
                if (window.isPresent()) {
                    slot.ariDue = window.get().randomInstant(random);
                    if (window.get().retryAfter() != null) {
                        slot.ariRefresh = max(window.get().retryAfter(), now.plus(Duration.ofMinutes(1)));
                    }
                    LOG.debug("CA suggests renewing {} between {} and {}; chose {}", slot.name(),
                            window.get().start(), window.get().end(), slot.ariDue);
                }
            } catch (CertpilotException e) {
                LOG.debug("No renewal information for {} ({}); using the lifetime rule", slot.name(), e.getMessage());
            }
        }
        return slot.ariDue != null ? slot.ariDue : policy.lifetimeDue(bundle);
    }

    /** The stored certificate if it is valid now and for the configured domains, else null. */
    private CertificateBundle loadUsable(Slot slot, Instant now) {
        Optional<CertificateBundle> stored;
        try {
            stored = store.load(slot.name());
        } catch (CorruptedEntryException e) {
            LOG.error("Stored certificate {} is corrupted: {}. Obtaining a new one", slot.name(), e.getMessage());
            return null;
        } catch (IOException e) {
            throw new StorageException("Cannot read certificate " + slot.name() + ": " + e.getMessage(),
                    store + " " + slot.name(), e);
        }
        if (stored.isEmpty()) {
            return null;
        }
        var bundle = stored.get();
        if (!bundle.domains().equals(slot.certificate.domains())) {
            LOG.info("Stored certificate {} is for {}, configured for {}: obtaining a new one", slot.name(),
                    bundle.domains(), slot.certificate.domains());
            return null;
        }
        if (!bundle.isValidAt(now)) {
            LOG.info("Stored certificate {} is not valid now (valid {} to {}): obtaining a new one", slot.name(),
                    bundle.notBefore(), bundle.notAfter());
            return null;
        }
        return bundle;
    }

    /** The issuers starting with the slot's current one. */
    private List<Issuer> rotation(Slot slot) {
        var result = new ArrayList<Issuer>(issuers.size());
        for (int i = 0; i < issuers.size(); i++) {
            result.add(issuers.get((slot.issuerIndex + i) % issuers.size()));
        }
        return result;
    }

    private void schedule(Slot slot, Instant at) {
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

    private void emit(CertificateEvent event) {
        log(event);
        for (var listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("Certificate listener {} failed on {}", listener, event.getClass().getSimpleName(), e);
            }
        }
    }

    private static void log(CertificateEvent event) {
        if (event instanceof CertificateEvent.Obtaining e) {
            LOG.info("{} certificate {} for {} from {} (attempt {})", e.renewal() ? "Renewing" : "Obtaining",
                    e.name(), e.domains(), e.certificateAuthority(), e.attempt());
        } else if (event instanceof CertificateEvent.Obtained e) {
            LOG.info("Obtained certificate {} (serial {}, valid until {})", e.name(),
                    e.certificate().serialNumber().toString(16), e.certificate().notAfter());
        } else if (event instanceof CertificateEvent.Renewed e) {
            LOG.info("Renewed certificate {} (serial {} replaces {}, valid until {})", e.name(),
                    e.certificate().serialNumber().toString(16), e.previousSerial().toString(16),
                    e.certificate().notAfter());
        } else if (event instanceof CertificateEvent.Failed e) {
            LOG.warn("Certificate {} failed (attempt {}), next attempt at {}: {}", e.name(), e.attempt(),
                    e.nextAttempt(), e.cause().getMessage());
        } else if (event instanceof CertificateEvent.Expiring e) {
            LOG.error("Certificate {} expires at {} ({} left) and renewal keeps failing", e.name(), e.notAfter(),
                    e.remaining());
        } else if (event instanceof CertificateEvent.Revoked e) {
            LOG.warn("Revoked certificate {} (serial {}, reason {})", e.name(), e.serial().toString(16), e.reason());
        }
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

    /**
     * One managed certificate's renewal state, written under {@link #lock}; the volatile fields are also read
     * without it, for status.
     */
    private static final class Slot {
        final ManagedCertificate certificate;
        final ReentrantLock lock = new ReentrantLock();
        volatile CertificateBundle current;
        volatile CertpilotException lastFailure;
        volatile int failures;
        volatile Instant nextCheck;
        int issuerIndex;
        Issuer issuedBy;
        boolean renewing;
        CertificateBundle unsaved;
        ScheduledFuture<?> next;
        BigInteger ariSerial;
        Instant ariDue;
        Instant ariRefresh;

        Slot(ManagedCertificate certificate) {
            this.certificate = certificate;
        }

        String name() {
            return certificate.name();
        }
    }
}
