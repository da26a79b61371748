package dev.certpilot.core;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.CorruptedEntryException;

/**
 * Loads what the store holds for each certificate, on all cores, keeping what is valid and for the configured
 * domains, and makes a self-signed bootstrap certificate (of the configured key type) for the others; warns
 * about a storage directory that cannot keep keys well. Thread-safe.
 */
final class CertificateLoader {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");
    private static final Logger STORAGE_LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final CertificateStore store;
    private final KeyType keyType;
    private final Object bootstrapGuard = new Object();
    private KeyPair bootstrapKeys; // guarded by bootstrapGuard

    CertificateLoader(CertificateStore store, KeyType keyType) {
        this.store = store;
        this.keyType = keyType;
    }

    /**
     * Publishes, in one snapshot, what to serve for each of {@code list}: its stored certificate, or a bootstrap
     * certificate.
     *
     * @throws StorageException if the store fails (a corrupted entry is not a failure: it is obtained again)
     */
    void loadAll(List<CertificateSlot> list, Instant now, ServedCertificates servedCertificates) {
        if (store instanceof FileCertificateStore files) {
            files.problems().forEach(STORAGE_LOG::warn);
        }
        var served = new CertificateBundle[list.size()];
        var bootstrap = new boolean[list.size()];
        // parsing is CPU-bound: spread it over the cores, then publish everything in one snapshot
        var threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), list.size() / 256));
        var chunk = (list.size() + threads - 1) / threads;
        var tasks = new ArrayList<Callable<Void>>();
        for (int from = 0; from < list.size(); from += chunk) {
            var start = from;
            var end = Math.min(list.size(), from + chunk);
            tasks.add(() -> {
                for (int i = start; i < end; i++) {
                    served[i] = prepare(list.get(i), now);
                    bootstrap[i] = served[i] == null;
                    if (bootstrap[i]) {
                        served[i] = SelfSigned.bootstrap(list.get(i).certificate, bootstrapKeys(), now);
                    }
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
        var issued = new ArrayList<CertificateBundle>();
        var bootstraps = new ArrayList<CertificateBundle>();
        for (int i = 0; i < served.length; i++) {
            (bootstrap[i] ? bootstraps : issued).add(served[i]);
        }
        servedCertificates.publish(issued, bootstraps); // one snapshot for them all
        LOG.info("Serving {} stored certificates and {} bootstrap certificates", issued.size(), bootstraps.size());
    }

    /** The stored certificate to serve for {@code slot}, or null when a bootstrap one is needed. */
    private CertificateBundle prepare(CertificateSlot slot, Instant now) {
        slot.lock.lock();
        try {
            var stored = loadUsable(slot, now);
            if (stored != null) {
                LOG.debug("Serving stored certificate {} (serial {}, valid until {})", slot.name(),
                        stored.serialNumber().toString(16), stored.notAfter());
                return stored;
            }
            LOG.info("Serving a self-signed bootstrap certificate for {} until one is obtained",
                    slot.certificate.domains());
            return null;
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

    /** The stored certificate if it is valid now and for the configured domains, else null. */
    CertificateBundle loadUsable(CertificateSlot slot, Instant now) {
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
        if (!(store instanceof FileCertificateStore) // which checks the pair itself, cheaply for what it wrote
                && !KeyPairs.matches(bundle.leaf().getPublicKey(), bundle.privateKey())) {
            LOG.error("Stored certificate {} (serial {}) has a private key that does not belong to it: obtaining a "
                    + "new one", slot.name(), bundle.serialNumber().toString(16));
            return null;
        }
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
}
