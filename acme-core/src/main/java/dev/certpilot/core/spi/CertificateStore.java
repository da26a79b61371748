package dev.certpilot.core.spi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.certpilot.core.CertificateBundle;

/**
 * Where certificates, ACME account keys and pending challenge answers live, shared by every instance of an
 * application that uses the same backend. {@link dev.certpilot.core.FileCertificateStore} keeps them in a
 * directory; {@code certpilot-jdbc} in PostgreSQL. A backend stores values and leases; the manager does the rest
 * (ordering, renewal, parsing rules, caching), so that a store is small to write. Run the conformance kit of
 * {@code certpilot-test} ({@code CertificateStoreConformance}) against a new one.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Thread-safe and shared.</b> Any method may be called from several threads and from several processes
 *       on several hosts using the same backend at once.</li>
 *   <li><b>Not found is not an error:</b> reading what was never written (or was deleted, or has expired) returns
 *       an empty {@code Optional}.</li>
 *   <li><b>Atomic replace:</b> a save replaces the whole entry or nothing. A crash, a lost connection or an
 *       exception at any point leaves every reader seeing either the previous entry, complete, or the new one,
 *       complete; never a new key with an old certificate, never a truncated entry.</li>
 *   <li><b>Leases, not locks:</b> {@link #tryLease} gives one holder at a time the right to write a certificate,
 *       for a duration. It never waits: when another holder's lease has not expired it returns empty, and the
 *       manager tries again later. A lease ends when it expires without a {@link Lease#renew()}, when it is closed,
 *       or (where the store can tell) when its holder's process is gone. Every write that takes a lease checks,
 *       in the same atomic step as the write, that the lease is still held, and otherwise throws
 *       {@link LeaseLostException} and writes nothing: a holder that was frozen or cut off past its lease can
 *       never overwrite what the next holder saved.</li>
 *   <li><b>Clock skew:</b> a store that judges expiry by one clock (a database's) is immune to skew between
 *       hosts. A store that compares an expiry written by one host with another host's clock (a shared file
 *       system) lets a host whose clock runs ahead by <i>d</i> take a lease <i>d</i> early, and one that runs
 *       behind take it <i>d</i> late: keep hosts' clocks synchronized (NTP) to well within the lease duration.
 *       Challenge answers expire the same way; they are given many minutes.</li>
 *   <li><b>Unreadable entries:</b> a load that finds an entry it cannot parse moves it aside (never deletes
 *       it) and throws {@link CorruptedEntryException} naming both places; the manager then obtains a new
 *       certificate. Any other {@link IOException} means the storage itself failed: the manager keeps serving
 *       what it has and retries later, without ordering.</li>
 *   <li><b>Names:</b> certificate names are those of {@link dev.certpilot.core.ManagedCertificate#name()};
 *       account ids are 1 to 200 of {@code a-z 0-9 . _ -}; leases are taken on certificate names, on
 *       {@code _account.<account id>} while the first account key for a CA is made, and on
 *       {@code _on-demand-budget}, whose state is also kept as the challenge value of that key; challenge keys are
 *       printable ASCII of at most 600 characters. Private keys must be readable by their owner only.</li>
 *   <li><b>Optional abilities</b> are small interfaces a store may implement too: {@link StoreDiagnostics}.</li>
 *   <li><b>Blocking:</b> methods may block on I/O; they should give up after a bounded time with an
 *       {@code IOException} rather than hang, and restore the interrupt flag if interrupted.</li>
 * </ul>
 */
public interface CertificateStore {

    /**
     * Loads the certificate saved under {@code name}.
     *
     * @param name the certificate's name
     * @return the bundle, or empty if none was saved
     * @throws CorruptedEntryException if the entry cannot be parsed; it has been moved aside
     * @throws IOException              if the storage fails
     */
    Optional<CertificateBundle> load(String name) throws IOException;

    /**
     * Whether {@link #load} returns only bundles whose private key belongs to their certificate, having checked it
     * itself (cheaply, for what it wrote); default false, and the manager checks each bundle it loads.
     *
     * @return whether loaded bundles are checked already
     */
    default boolean loadChecksKeyPairs() {
        return false;
    }

    /**
     * Saves {@code bundle} under its name, atomically replacing any previous one, if {@code lease} (for that name)
     * is still held; the check and the write are one atomic step.
     *
     * @param bundle the certificate, chain and key
     * @param lease the lease of the bundle's name
     * @throws LeaseLostException       if the lease has expired or another holder has it; nothing was written
     * @throws IllegalArgumentException if the private key does not belong to the certificate
     * @throws IOException              if the storage fails; the previous entry is then intact
     */
    void save(CertificateBundle bundle, Lease lease) throws IOException;

    /**
     * Saves {@code bundle} under a lease taken for this write alone: for importing certificates and for tools. Not
     * for use while an instance may be ordering the same name.
     *
     * @param bundle the certificate, chain and key
     * @throws IOException if another holder has the name's lease now, or the storage fails
     */
    default void save(CertificateBundle bundle) throws IOException {
        try (var lease = tryLease(bundle.name(), Duration.ofMinutes(1)).orElseThrow(() -> new IOException(
                "Certificate " + bundle.name() + " is being written by another instance (its lease is held); "
                        + "try again later"))) {
            save(bundle, lease);
        }
    }

    /**
     * Deletes the certificate saved under {@code name}, if any, holding {@code lease}.
     *
     * @param name the certificate's name
     * @param lease the lease of that name
     * @return whether there was one
     * @throws LeaseLostException if the lease has expired or another holder has it; nothing was deleted
     * @throws IOException        if the storage fails
     */
    boolean delete(String name, Lease lease) throws IOException;

    /**
     * What is stored: every certificate's name, domains, serial and expiry, read without keys, in no particular
     * order. An entry that cannot be parsed is left out (its {@link #load} reports it).
     *
     * @return every stored certificate's summary
     * @throws IOException if the storage fails
     */
    List<StoredCertificate> list() throws IOException;

    /**
     * A value that changes whenever a certificate is saved or deleted, by any instance: every manager polls it every
     * few seconds (see {@code CertificateManagerBuilder.storePollInterval}) and reads {@link #list()} only when it
     * changed, to serve what another instance obtained. Comparable for equality only. The default digests the
     * listing; a store with a cheaper signal (a counter, a directory's modification time) should override it.
     *
     * @return the revision, compared for equality only
     * @throws IOException if the storage fails
     */
    default String revision() throws IOException {
        try {
            var sha = MessageDigest.getInstance("SHA-256");
            for (var entry : list().stream().sorted(java.util.Comparator.comparing(StoredCertificate::name)).toList()) {
                sha.update((entry.name() + '\0' + entry.serial() + '\n').getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no SHA-256", e);
        }
    }

    /**
     * Takes the lease of certificate {@code name} (or {@code _account.<account id>}) for {@code duration}, if nobody
     * else holds it: never waits.
     *
     * @param name the certificate's name, or {@code _account.<account id>}
     * @param duration how long the lease lasts unless renewed
     * @return the lease, or empty while another holder's lease has not ended
     * @throws IOException if the storage fails
     */
    Optional<Lease> tryLease(String name, Duration duration) throws IOException;

    /**
     * Loads the ACME account key pair saved under {@code accountId} (one per CA directory).
     *
     * @param accountId the account's identifier
     * @return the key pair, or empty if none was saved
     * @throws IOException if the storage fails or the entry is unreadable (the message names where)
     */
    Optional<KeyPair> loadAccountKey(String accountId) throws IOException;

    /**
     * Saves an ACME account key pair under {@code accountId}, atomically replacing any previous one.
     *
     * @param accountId the account's identifier
     * @param keyPair the key pair
     * @throws IOException if the storage fails; the previous entry is then intact
     */
    void saveAccountKey(String accountId, KeyPair keyPair) throws IOException;

    /**
     * Publishes a pending challenge's answer under {@code key} until {@code ttl} has passed, replacing any value
     * under that key, so that whichever instance the CA reaches can answer it. Values are at most 16 KiB of text.
     *
     * @param key the challenge's key
     * @param value the answer
     * @param ttl how long it is kept
     * @throws IOException if the storage fails
     */
    void putChallenge(String key, String value, Duration ttl) throws IOException;

    /**
     * The answer published under {@code key}, or empty if none was, it was removed, or its time has passed.
     *
     * @param key the challenge's key
     * @return the answer, or empty
     * @throws IOException if the storage fails
     */
    Optional<String> challenge(String key) throws IOException;

    /**
     * Removes the answer under {@code key}; removing one that is absent does nothing.
     *
     * @param key the challenge's key
     * @throws IOException if the storage fails
     */
    void removeChallenge(String key) throws IOException;
}
