package dev.certpilot.core.internal.renewal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.spi.CertificateStore;

/**
 * Serves, within one poll interval, what other instances sharing the store obtained: polls the store's
 * {@link CertificateStore#revision() revision} (one small read), and when it changed reads the listing and has
 * the renewal engine adopt each managed certificate whose stored serial differs from the one served (and, with
 * on-demand TLS, each certificate another instance obtained on demand). An
 * unreachable store is logged once, and once when it is back. Runs on the store's thread; thread-safe.
 */
public final class StoreWatcher {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final CertificateStore store;
    private final ServedCertificates served;
    private final Renewer renewer;
    private final Duration interval;
    private final ScheduledExecutorService executor;
    private String seen;
    private boolean failing;

    StoreWatcher(CertificateStore store, ServedCertificates served, Renewer renewer, Duration interval,
                 ScheduledExecutorService executor) {
        this.store = store;
        this.served = served;
        this.renewer = renewer;
        this.interval = interval;
        this.executor = executor;
    }

    /** Starts polling. */
    void start() {
        executor.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            var revision = store.revision();
            if (Objects.equals(revision, seen)) {
                recovered();
                return;
            }
            var complete = true;
            for (var entry : store.list()) {
                if (!renewer.manages(entry.name())) {
                    renewer.discovered(entry);
                    continue;
                }
                var current = served.issuedInfo(entry.name());
                if (current == null || !current.serial().equals(entry.serial())
                        && entry.notAfter().isAfter(current.notAfter())) {
                    complete &= renewer.adopt(entry.name());
                }
            }
            if (complete) {
                seen = revision; // else look again at the next poll: a slot was busy
            }
            recovered();
        } catch (Exception e) {
            if (!failing) {
                LOG.warn("Cannot poll the certificate store for changes made by other instances: {}", e.toString());
                failing = true;
            }
        }
    }

    private void recovered() {
        if (failing) {
            LOG.info("The certificate store answers again");
            failing = false;
        }
    }
}
