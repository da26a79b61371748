package dev.certpilot.core.internal.acme;

import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.Lease;

/**
 * One CA's account keys in the store, under an id made from its directory URL: the current key, the next one while a
 * rollover is under way, the key of a deactivated account, and the first key, made under a lease so that instances
 * starting together on one store agree on it. Storage failures become {@link StorageException}s that say what to
 * do. Thread-safe.
 */
public final class AccountKeys {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.acme");
    private static final String NEXT = ".next";
    private static final String DEACTIVATED = ".deactivated";
    /** Leases on this prefix and the id guard the first key; certificate names never start so. */
    private static final String LEASE_PREFIX = "_account.";
    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final Duration POLL = Duration.ofMillis(50);

    private final CertificateStore store;
    private final URI directory;
    private final String id;
    private final KeyType keyType;

    AccountKeys(CertificateStore store, URI directory, KeyType keyType) {
        this.store = store;
        this.directory = directory;
        this.id = id(directory);
        this.keyType = keyType;
    }

    /** A file-name-safe id of a CA directory, such as {@code acme-v02.api.letsencrypt.org-directory}. */
    public static String id(URI directory) {
        var text = directory.getHost() + (directory.getPort() > 0 ? "-" + directory.getPort() : "")
                + (directory.getPath() == null ? "" : directory.getPath());
        var id = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-._]+|[-._]+$", "");
        return id.length() > 200 ? id.substring(0, 200) : id;
    }

    /** The current key; when there is none yet, the first one, made here or by another instance. */
    KeyPair currentOrFirst() {
        var current = load(id);
        return current != null ? current : first();
    }

    /** The current key and a rollover's next one, as stored; none is made here. */
    List<KeyPair> stored() {
        var result = new ArrayList<KeyPair>(2);
        for (var name : List.of(id, id + NEXT)) {
            var key = load(name);
            if (key != null) {
                result.add(key);
            }
        }
        return result;
    }

    /** The key a rollover saved before the CA learnt it, or null. */
    KeyPair next() {
        return load(id + NEXT);
    }

    /** A new key, saved as the next one before a rollover tells the CA. */
    KeyPair newNext() {
        var next = keyType.generate();
        save(id + NEXT, next);
        return next;
    }

    /** Makes {@code keyPair} the current key. */
    void makeCurrent(KeyPair keyPair) {
        save(id, keyPair);
    }

    /** Keeps a deactivated account's key aside, as {@code <id>.deactivated}, and makes a new current key. */
    void replaceDeactivated(KeyPair deactivated) {
        save(id + DEACTIVATED, deactivated);
        save(id, keyType.generate());
        LOG.info("Kept the deactivated account's key as {}{}", id, DEACTIVATED);
    }

    /**
     * The first key, generated and saved holding the lease {@code _account.<id>}: instances that start together on
     * one store agree on one key, and so register one account (a CA answers a registration with a key it knows with
     * that key's account). While another instance holds the lease, its key is waited for.
     */
    private KeyPair first() {
        var leaseName = LEASE_PREFIX + id;
        var deadline = System.nanoTime() + LEASE.toNanos();
        while (true) {
            try (var lease = tryLease(leaseName).orElse(null)) {
                var keyPair = load(id);
                if (keyPair != null) {
                    return keyPair; // saved by the instance that held the lease
                }
                if (lease != null) {
                    keyPair = keyType.generate();
                    save(id, keyPair);
                    LOG.info("Generated a new ACME account key ({}) for {}", keyType, directory);
                    return keyPair;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new StorageException("Another instance has held the lease " + leaseName + " in " + store
                        + " for " + LEASE + " without saving an ACME account key for " + directory + "; it ends by "
                        + "itself when that instance stops, and the next attempt registers", store + " " + leaseName,
                        null);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CertpilotException("Interrupted while waiting for another instance's ACME account key for "
                        + directory);
            }
        }
    }

    private Optional<Lease> tryLease(String name) {
        try {
            return store.tryLease(name, LEASE);
        } catch (IOException e) {
            throw new StorageException("Cannot take the lease " + name + " in " + store + " to make the first ACME "
                    + "account key for " + directory + ": " + e.getMessage(), store + " " + name, e);
        }
    }

    private KeyPair load(String accountId) {
        try {
            return store.loadAccountKey(accountId).orElse(null);
        } catch (IOException e) {
            throw new StorageException("Cannot read the ACME account key for " + directory + " in " + store
                    + ": " + e.getMessage() + ". Restore it from a backup, or move it away to register a new account "
                    + "(certificates are not affected; a CA that requires External Account Binding needs its EAB "
                    + "credentials for that)", store + " " + accountId, e);
        }
    }

    private void save(String accountId, KeyPair keyPair) {
        try {
            store.saveAccountKey(accountId, keyPair);
        } catch (IOException e) {
            throw new StorageException("Cannot save the ACME account key for " + directory + " in " + store
                    + ": " + e.getMessage(), store + " " + accountId, e);
        }
    }
}
