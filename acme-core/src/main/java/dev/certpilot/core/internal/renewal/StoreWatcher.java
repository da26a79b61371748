package dev.certpilot.core.internal.renewal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.ChangeSignals;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Serves, within one poll interval, what other instances sharing the store obtained. With a store that has a
 * {@link ChangeFeed}, each poll reads only the entries saved since the last one, so its cost grows with the changes,
 * not with the store; the whole listing is read at start, when the feed no longer reaches back, and every
 * {@link #RECONCILE} as a safety net. Without one, it polls the store's {@link CertificateStore#revision() revision}
 * (one small read) and reads the listing when it changed. Either way the renewal engine adopts each managed
 * certificate whose stored serial differs from the one served (and, with on-demand TLS, each certificate another
 * instance obtained on demand). A store that {@linkplain ChangeSignals signals} its changes is polled at each
 * signal too. An
 * unreachable store is logged once, and once when it is back. Runs on the store's thread; thread-safe.
 */
public final class StoreWatcher {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    /** How often the whole listing is read even though the change feed answers. */
    static final Duration RECONCILE = Duration.ofMinutes(10);

    private final CertificateStore store;
    private final ChangeFeed feed;
    private final ServedCertificates served;
    private final Renewer renewer;
    private final Duration interval;
    private final ScheduledExecutorService executor;
    private volatile AutoCloseable signals;
    // the executor's thread only: entries whose slot was busy when last adopted
    private final Map<String, StoredCertificate> busy = new HashMap<>();
    // the executor's thread only
    private String seen;
    private String position;
    private long listedAt;
    private boolean failing;

    StoreWatcher(CertificateStore store, ServedCertificates served, Renewer renewer, Duration interval,
                 ScheduledExecutorService executor) {
        this.store = store;
        this.feed = store instanceof ChangeFeed changes ? changes : null;
        this.served = served;
        this.renewer = renewer;
        this.interval = interval;
        this.executor = executor;
    }

    /** The feed's position before the listing the manager starts from, or null: the first poll then lists. */
    String positionBeforeListing() {
        if (feed == null) {
            return null;
        }
        try {
            return feed.position();
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Starts polling, from {@code position} (see {@link #positionBeforeListing()}) if not null, and, with a store that
     * signals its changes, at each signal.
     */
    void start(String position) {
        executor.execute(() -> {
            this.position = position;
            this.listedAt = System.nanoTime();
        });
        executor.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        if (store instanceof ChangeSignals signals) {
            try {
                this.signals = signals.onChange(this::pollNow);
            } catch (Exception e) {
                LOG.warn("The store cannot signal changes made by other instances ({}); polling every {}", e.toString(),
                        interval);
            }
        }
    }

    /** Stops listening to the store's signals; the executor's shutdown stops the polls. */
    void stop() {
        var handle = signals;
        if (handle != null) {
            try {
                handle.close();
            } catch (Exception e) {
                LOG.debug("Stopping the store's change signals: {}", e.toString());
            }
        }
    }

    /** Polls at once (a store signalled a change), besides the regular polls. */
    void pollNow() {
        try {
            executor.execute(this::poll);
        } catch (RejectedExecutionException closed) {
            // the manager is closing
        }
    }

    private void poll() {
        try {
            retryBusy();
            if (feed != null && position != null
                    && System.nanoTime() - listedAt < TimeUnit.MILLISECONDS.toNanos(RECONCILE.toMillis())) {
                var changes = feed.changesSince(position);
                if (changes.isPresent()) {
                    adopt(changes.get().saved());
                    position = changes.get().position();
                    recovered();
                    return;
                }
                LOG.debug("The store's change feed no longer reaches back to {}: reading the whole listing", position);
            }
            if (feed != null) {
                var before = feed.position();
                adopt(store.list());
                position = before;
                listedAt = System.nanoTime();
            } else {
                var revision = store.revision();
                if (!Objects.equals(revision, seen)) {
                    adopt(store.list());
                    seen = revision;
                }
            }
            recovered();
        } catch (Exception e) {
            if (!failing) {
                LOG.warn("Cannot poll the certificate store for changes made by other instances: {}", e.toString());
                failing = true;
            }
        }
    }

    /**
     * Has the engine adopt what the entries say; an entry whose slot was busy is kept and tried again at the next
     * polls, rather than reading the store again for it.
     */
    private void adopt(List<StoredCertificate> entries) {
        for (var entry : entries) {
            if (!renewer.manages(entry.name())) {
                renewer.discovered(entry);
                continue;
            }
            var current = served.issuedInfo(entry.name());
            var newer = current == null || !current.serial().equals(entry.serial())
                    && entry.notAfter().isAfter(current.notAfter());
            if (newer && !renewer.adopt(entry.name())) {
                busy.put(entry.name(), entry);
            } else {
                busy.remove(entry.name());
            }
        }
    }

    private void retryBusy() {
        if (!busy.isEmpty()) {
            adopt(List.copyOf(busy.values()));
        }
    }

    private void recovered() {
        if (failing) {
            LOG.info("The certificate store answers again");
            failing = false;
        }
    }
}
