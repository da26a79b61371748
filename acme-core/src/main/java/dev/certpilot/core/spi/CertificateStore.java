package dev.certpilot.core.spi;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Optional;

import dev.certpilot.core.CertificateBundle;

/**
 * Durable storage for certificates and ACME account keys. The default is
 * {@link dev.certpilot.core.FileCertificateStore}; implement this for databases, object stores or secret
 * managers.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Thread-safe.</b> Any method may be called from several threads, and several processes may share
 *       the same underlying storage.</li>
 *   <li><b>Not found is not an error:</b> a load of an entry that was never saved returns an empty
 *       {@code Optional}.</li>
 *   <li><b>Atomic replace:</b> a save replaces the whole entry or nothing. A crash or an exception at any point
 *       leaves a later load seeing either the previous entry, complete, or the new one, complete; never a mix
 *       of the two (a new key with an old certificate) and never a truncated file.</li>
 *   <li><b>Unreadable entries:</b> a load that finds an entry it cannot parse moves it aside (never deletes
 *       it) and throws {@link CorruptedEntryException} naming both places; the manager then obtains a new
 *       certificate. Any other {@link IOException} means the storage itself failed: the manager keeps what it
 *       serves and retries later, without ordering.</li>
 *   <li><b>Locks:</b> {@link #lock} excludes other threads and other processes sharing the storage, so that a
 *       certificate is ordered once. A lock held by a process that died must be released (operating-system
 *       file locks are, as are leases that expire); the holder of the lock re-reads the entry before acting.</li>
 *   <li><b>Keys:</b> names are those of {@link dev.certpilot.core.ManagedCertificate#name()}; account ids are
 *       1 to 200 of {@code a-z 0-9 . _ -}. Private keys must be kept readable by their owner only.</li>
 *   <li><b>Blocking:</b> methods may block on I/O; they should give up after a bounded time with an
 *       {@code IOException} rather than hang, and restore the interrupt flag if interrupted.</li>
 * </ul>
 */
public interface CertificateStore {

    /**
     * Loads the certificate saved under {@code name}.
     *
     * @return the bundle, or empty if none was saved
     * @throws IOException if the storage fails or the entry is unreadable (the message names where)
     */
    Optional<CertificateBundle> load(String name) throws IOException;

    /**
     * Takes the lock of certificate {@code name}, waiting at most {@code timeout}. The manager holds it while it
     * re-reads the entry, orders a certificate and saves it.
     *
     * <p>The default excludes nobody: it suits stores that a single manager uses. A store that several
     * processes share must override it.
     *
     * @throws IOException if the lock could not be taken in time (the message says who holds it, if known)
     * @throws InterruptedException if interrupted while waiting
     */
    default StoreLock lock(String name, Duration timeout) throws IOException, InterruptedException {
        return () -> { };
    }

    /**
     * Saves {@code bundle} under its name, atomically replacing any previous one.
     *
     * @throws IOException if the storage fails; the previous entry is then intact
     */
    void save(CertificateBundle bundle) throws IOException;

    /**
     * Loads the ACME account key pair saved under {@code accountId} (one per CA directory).
     *
     * @return the key pair, or empty if none was saved
     * @throws IOException if the storage fails or the entry is unreadable (the message names where)
     */
    Optional<KeyPair> loadAccountKey(String accountId) throws IOException;

    /**
     * Saves an ACME account key pair under {@code accountId}, atomically.
     *
     * @throws IOException if the storage fails; the previous entry is then intact
     */
    void saveAccountKey(String accountId, KeyPair keyPair) throws IOException;
}
