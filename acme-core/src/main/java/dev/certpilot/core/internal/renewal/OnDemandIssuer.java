package dev.certpilot.core.internal.renewal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.internal.tls.OnDemandCertificates;
import dev.certpilot.core.internal.tls.ServedCertificate;
import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.spi.CertificateStore;

/**
 * Obtains certificates during handshakes for names no managed certificate covers ({@link OnDemandTls}): one pending
 * future per name, shared by its concurrent handshakes; the decision and the order run on a small pool of their own
 * (so a handshake's thread only waits, and a CA's validation handshake never queues behind it), with a bounded
 * queue; a bound on the handshakes that wait, in all and per name (the others are refused at once, so that a flood
 * for one name cannot take the server's threads from the names it serves); a budget of new orders shared through the
 * store ({@link OnDemandBudget}); and a bounded memory of refused names and their back-off. The decision on renewing
 * a certificate obtained on demand runs on the same pool, never on a renewal worker. Thread-safe.
 */
public final class OnDemandIssuer implements OnDemandCertificates, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.ondemand");
    private static final Duration DENIAL_MEMORY = Duration.ofMinutes(1);
    private static final Duration UNDECIDED_MEMORY = Duration.ofSeconds(10);
    private static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);
    private static final int REMEMBERED = 10_000;
    private static final int LOGGED_PER_MINUTE = 20;
    /** How long a renewal waits for the decision before renewing all the same. */
    static final Duration RENEWAL_DECISION = Duration.ofSeconds(30);

    /** A refused name: refused again without asking until {@code until}; {@code failures} orders failed in a row. */
    private record Refusal(Instant until, int failures) {
    }

    /** A name being decided or ordered: the certificate to come, and how many handshakes wait for it. */
    private record Pending(CompletableFuture<ServedCertificate> certificate, AtomicInteger waiting) {
        Pending() {
            this(new CompletableFuture<>(), new AtomicInteger());
        }
    }

    private final OnDemandTls config;
    private final Renewer renewer;
    private final ServedCertificates served;
    private final Clock clock;
    private final ThreadPoolExecutor pool;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Refusal> refused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Boolean>> renewalDecisions = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final OnDemandBudget budget;
    private long logWindow; // guarded by this
    private int logged; // guarded by this
    private int suppressed; // guarded by this

    public OnDemandIssuer(OnDemandTls config, Renewer renewer, ServedCertificates served, CertificateStore store,
                          Clock clock) {
        this.config = config;
        this.renewer = renewer;
        this.served = served;
        this.clock = clock;
        this.budget = new OnDemandBudget(store, clock, config);
        var threads = new AtomicInteger();
        var size = Math.min(16, config.maxPending());
        this.pool = new ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(
                config.maxPending()), task -> {
                    var thread = new Thread(task, "certpilot-on-demand-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        renewer.renewOnDemandIf(this::stillAllowed);
    }

    /** Waits up to the handshake timeout, and at most as many handshakes wait as the settings allow. */
    @Override
    public ServedCertificate resolve(String host, ServedCertificate found) {
        if (found != null) {
            if (found.hasIssued()) {
                return found;
            }
            var managed = found.certificate.domains().get(0);
            var ordering = pending.get(managed);
            if (ordering == null && renewer.managesOnDemand(found.certificate.name())) {
                // obtained on demand before, but nothing usable is stored (an entry moved aside as corrupted):
                // the handshake waits for the new one, as for a new name, rather than get a bootstrap certificate
                ordering = pending(managed, true);
            }
            return ordering == null ? found : await(managed, ordering);
        }
        var name = candidate(host);
        if (name == null) {
            return null;
        }
        var refusal = refused.get(name);
        if (refusal != null && clock.instant().isBefore(refusal.until())) {
            return null;
        }
        var entry = pending.get(name);
        if (entry == null) {
            entry = pending(name, false);
        }
        return entry == null ? null : await(name, entry);
    }

    /**
     * The pending entry of {@code name}, started now on the pool unless another handshake started it: the decision
     * (unless {@code allowed} already), then the order. Null when too many names are pending.
     */
    private Pending pending(String name, boolean allowed) {
        if (pending.size() >= config.maxPending()) {
            log("Refused an on-demand certificate for {}: {} names are already pending", name, pending.size());
            return null;
        }
        var created = new Pending();
        var entry = pending.putIfAbsent(name, created);
        if (entry != null) {
            return entry;
        }
        try {
            pool.execute(() -> obtain(name, created.certificate(), allowed));
        } catch (RejectedExecutionException e) {
            pending.remove(name, created);
            created.certificate().complete(null);
            log("Refused an on-demand certificate for {}: {} names are already pending", name, pending.size());
            return null;
        }
        return created;
    }

    /**
     * The normalized DNS name a handshake's SNI {@code host} asks for, or null if it is none that could have an
     * on-demand certificate: not a valid name, a wildcard, or an IP address (RFC 6066 forbids IP literals in SNI;
     * deciding on one would let a client have the CA validate an address of its choosing).
     */
    private static String candidate(String host) {
        if (host == null || IpAddresses.looksLikeIp(host)) {
            return null;
        }
        try {
            var name = ManagedCertificate.normalize(host);
            return name.startsWith("*.") || IpAddresses.looksLikeIp(name) ? null : name;
        } catch (IllegalArgumentException e) {
            return null; // not a DNS name: nothing to decide
        }
    }

    /** Whether a handshake for {@code host} would be considered: a DNS name that was not refused lately. */
    public boolean mayServe(String host) {
        var name = candidate(host);
        var refusal = name == null ? null : refused.get(name);
        return name != null && (refusal == null || !clock.instant().isBefore(refusal.until()));
    }

    /**
     * Waits for {@code entry}'s certificate, within the handshake timeout, if fewer than the allowed number of
     * handshakes already wait (in all and for this name); else returns null at once.
     */
    private ServedCertificate await(String name, Pending entry) {
        var total = waiting.incrementAndGet();
        var forName = entry.waiting().incrementAndGet();
        if (total > config.maxWaitingHandshakes() || forName > config.maxWaitingHandshakesPerName()) {
            entry.waiting().decrementAndGet();
            waiting.decrementAndGet();
            log("Refused a handshake for {} at once: {}", name, total > config.maxWaitingHandshakes()
                    ? config.maxWaitingHandshakes() + " handshakes already wait for on-demand certificates"
                    : config.maxWaitingHandshakesPerName() + " handshakes already wait for this name");
            return null;
        }
        try {
            return entry.certificate().get(config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log("A handshake for {} waited {} for its on-demand certificate; it is still being obtained", name,
                    config.handshakeTimeout());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            return null;
        } finally {
            entry.waiting().decrementAndGet();
            waiting.decrementAndGet();
        }
    }

    /**
     * Decides (unless {@code decided}), then obtains (or finds in the store) a certificate for {@code name}, on the
     * pool.
     */
    private void obtain(String name, CompletableFuture<ServedCertificate> future, boolean decided) {
        try {
            boolean allowed;
            try {
                allowed = decided || config.decision().allows(name);
            } catch (Exception e) {
                refuse(name, UNDECIDED_MEMORY, 0);
                log("Refused an on-demand certificate for {}: the decision failed ({}), which denies", name,
                        e.toString());
                return;
            } catch (Error e) {
                refuse(name, UNDECIDED_MEMORY, 0);
                throw e;
            }
            if (!allowed) {
                refuse(name, DENIAL_MEMORY, 0);
                log("Refused an on-demand certificate for {}: the decision denies it", name, null);
                return;
            }
            renewer.obtainOnDemand(ManagedCertificate.of(name), this::permitNewOrder);
            refused.remove(name);
            future.complete(served.forHost(name));
        } catch (CertpilotException | IllegalArgumentException e) {
            var failures = refused.containsKey(name) ? refused.get(name).failures() + 1 : 1;
            var backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 6));
            backoff = backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
            refuse(name, backoff, failures);
            log("Could not obtain a certificate on demand for {}: {}", name, e.getMessage() + "; handshakes for it "
                    + "are refused for " + backoff);
        } finally {
            future.complete(null); // when not completed above
            pending.computeIfPresent(name, (key, entry) -> entry.certificate() == future ? null : entry);
        }
    }

    /** Whether a new order may start now, taking a token of the budget shared through the store if so. */
    boolean permitNewOrder() {
        return budget.take();
    }

    /**
     * For the renewal of a certificate obtained on demand: false only when the decision denies; null while the
     * decision is being asked on this pool (never on the renewal worker that asks), and {@code whenKnown} runs once
     * the answer is in. A decision that fails, is not made within {@link #RENEWAL_DECISION}, or cannot be queued
     * allows: a certificate allowed before is renewed when the decision cannot tell.
     */
    private Boolean stillAllowed(String name, Runnable whenKnown) {
        var asked = renewalDecisions.get(name);
        if (asked != null) {
            if (!asked.isDone()) {
                return null;
            }
            renewalDecisions.remove(name, asked);
            return asked.getNow(true);
        }
        var created = new CompletableFuture<Boolean>();
        if (renewalDecisions.putIfAbsent(name, created) != null) {
            return null;
        }
        try {
            pool.execute(() -> {
                try {
                    created.complete(config.decision().allows(name));
                } catch (Exception e) {
                    LOG.warn("The on-demand decision failed for {} ({}); renewing it all the same", name, e.toString());
                    created.complete(true);
                }
            });
        } catch (RejectedExecutionException e) {
            renewalDecisions.remove(name, created);
            return true;
        }
        created.completeOnTimeout(true, RENEWAL_DECISION.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((allowed, failure) -> whenKnown.run());
        return null;
    }

    private void refuse(String name, Duration duration, int failures) {
        if (refused.size() >= REMEMBERED) {
            var now = clock.instant();
            refused.values().removeIf(r -> !now.isBefore(r.until()));
            if (refused.size() >= REMEMBERED) {
                refused.clear(); // a flood of names: forgetting costs one decision each, remembering costs memory
            }
        }
        refused.put(name, new Refusal(clock.instant().plus(duration), failures));
    }

    /** Logs one line per refused name, at most {@link #LOGGED_PER_MINUTE} a minute and a count of the others. */
    private void log(String format, String name, Object detail) {
        int skipped;
        synchronized (this) {
            var minute = System.nanoTime() / 60_000_000_000L;
            skipped = 0;
            if (minute != logWindow) {
                skipped = suppressed;
                logWindow = minute;
                logged = 0;
                suppressed = 0;
            }
            if (logged >= LOGGED_PER_MINUTE) {
                suppressed++;
                return;
            }
            logged++;
        }
        if (skipped > 0) {
            LOG.warn("{} more on-demand refusals in the previous minute were not logged", skipped);
        }
        LOG.warn(format, name, detail);
    }

    /** Names pending now, for tests and status. */
    int pending() {
        return pending.size();
    }

    /** Handshakes waiting now, for tests. */
    int waiting() {
        return waiting.get();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
