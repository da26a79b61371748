package dev.certpilot.core;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.shredzone.acme4j.toolbox.JSON;
import org.shredzone.acme4j.toolbox.JSONBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.internal.base.KeyPairs;
import dev.certpilot.core.internal.base.LogText;
import dev.certpilot.core.internal.store.FileChallenges;
import dev.certpilot.core.internal.store.FileGuards;
import dev.certpilot.core.internal.store.FileLeases;
import dev.certpilot.core.internal.store.FileListing;
import dev.certpilot.core.internal.store.FileOperations;
import dev.certpilot.core.internal.store.StorageProblems;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.core.spi.StoreDiagnostics;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Keeps certificates and account keys in a directory, in the layout other tools (nginx, HAProxy, certbot
 * users' scripts) expect:
 *
 * <pre>
 * root/
 *   certificates/&lt;name&gt;/privkey.pem     the private key, PKCS#8, mode 0600
 *                       cert.pem        the leaf certificate
 *                       chain.pem       the intermediates
 *                       fullchain.pem   leaf and intermediates
 *                       metadata.json   name, domains, serial, validity
 *   accounts/&lt;account-id&gt;/account.key  the ACME account key pair, mode 0600
 *   certificates/.revision              rewritten by every save and delete, polled by other instances
 *   certificates/.listing               the listing: a line per save and delete, rewritten when overgrown
 *   locks/&lt;name&gt;.lease                the lease: holder's token, process, host and expiry
 *   locks/&lt;name&gt;.lock                 the guard: an operating-system lock held for one step's file operations
 *   challenges/&lt;sha-256 of key&gt;         pending challenge answers with their expiry, mode 0600
 *   corrupt/&lt;name&gt;-&lt;time&gt;/           unreadable certificates, moved aside for inspection
 * </pre>
 *
 * <p>A certificate is replaced as a whole: its files are written and flushed to disk in a staging directory
 * beside the live one, which is then swapped in by two renames, under the certificate's guard; a crash at any point
 * leaves the old or the new certificate, and the next access completes or rolls back the swap, under the guard
 * too, so that a process never completes or undoes a swap another is still making. Leases are judged by each
 * host's clock (see the skew rule of {@link CertificateStore}); a lease whose holder was a process of this host that
 * has ended is free at once. For several hosts, prefer a database store: network file systems often honour neither
 * the guard's lock nor atomic renames. Directories are created with mode 0700 on POSIX file systems. Thread-safe;
 * several processes may share the directory.
 */
public final class FileCertificateStore implements CertificateStore, StoreDiagnostics, ChangeFeed {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    private static final Pattern ACCOUNT_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,199}");
    private static final String STAGING = ".staging-";
    private static final String PREVIOUS = ".previous-";
    private static final String METADATA = "metadata.json";
    private static final String PAIR_DIGEST = "keyAndChainSha256";
    private static final String REVISION = ".revision";
    /** How long one step waits for a name's guard, which another process holds for a few file operations. */
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = FileOperations.OWNER_ONLY_FILE;
    private static final Set<PosixFilePermission> PUBLIC_FILE = FileOperations.PUBLIC_FILE;

    private static final DateTimeFormatter CORRUPT_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path root;
    private final Clock clock;
    private final boolean posix;
    private final FileGuards guards;
    private final FileOperations files;
    private final FileLeases leases;
    private final FileChallenges challenges;
    private final FileListing listing;

    /**
     * A store rooted at {@code root}, created on first write if missing.
     *
     * @param root the directory; keep it on persistent storage, or every restart orders new certificates
     */
    public FileCertificateStore(Path root) {
        this(root, Clock.systemUTC());
    }

    FileCertificateStore(Path root, Clock clock) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.clock = clock;
        this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        this.files = new FileOperations(posix);
        this.guards = new FileGuards(this.root.resolve("locks"), files);
        this.leases = new FileLeases(this.root.resolve("locks"), clock, guards, files);
        this.challenges = new FileChallenges(this.root.resolve("challenges"), clock, files);
        this.listing = new FileListing(this.root.resolve("certificates"), guards, files);
    }

    /**
     * The root directory.
     *
     * @return the root directory
     */
    public Path root() {
        return root;
    }

    /**
     * The directory holding the live files of certificate {@code name}.
     *
     * @param name the certificate's name
     * @return its directory, which may not exist yet
     */
    public Path certificateDirectory(String name) {
        return certificates().resolve(checkName(name));
    }

    @Override
    public Optional<CertificateBundle> load(String name) throws IOException {
        var dir = certificateDirectory(name);
        synchronized (guards.monitor(name)) {
            // the fast path, without the cross-process guard, trusts only what no replacement can be touching
            if (!swapUnderWay(name)) {
                if (!Files.isDirectory(dir)) {
                    if (!swapUnderWay(name) && !Files.isDirectory(dir)) {
                        return Optional.empty();
                    }
                } else {
                    try {
                        return Optional.of(read(name, dir));
                    } catch (Corruption e) {
                        // perhaps another process replaced it while it was read: judged again under the guard
                    }
                }
            }
        }
        // a replacement is under way in another process, or was cut by a crash, or the entry looked corrupted:
        // only the holder of the guard may complete or undo a replacement, or move an entry aside
        return guarded(name, () -> {
            recover(name);
            if (!Files.isDirectory(dir)) {
                return Optional.empty();
            }
            try {
                return Optional.of(read(name, dir));
            } catch (Corruption e) {
                var aside = moveAside(name, dir);
                LOG.error("Certificate {} is unreadable ({}); moved it aside to {}", name, e.getMessage(), aside);
                throw new CorruptedEntryException("Unreadable certificate " + name + ": " + e.getMessage(),
                        aside.toString(), e.getCause());
            }
        });
    }

    /**
     * Leases certificate {@code name} through {@code locks/<name>.lease}, which records the holder and the expiry;
     * a lease whose holder was a process of this host that is gone has ended, whatever its expiry.
     */
    @Override
    public Optional<Lease> tryLease(String name, Duration duration) throws IOException {
        checkName(name);
        return guarded(name, () -> leases.take(name, duration));
    }

    @Override
    public void save(CertificateBundle bundle, Lease lease) throws IOException {
        if (!KeyPairs.matches(bundle.leaf().getPublicKey(), bundle.privateKey())) {
            throw new IllegalArgumentException("The private key of certificate " + bundle.name() + " does not belong "
                    + "to its certificate (serial " + SerialNumbers.hex(bundle.serialNumber()) + "); not stored");
        }
        guarded(bundle.name(), () -> {
            leases.check(bundle.name(), lease);
            swapIn(bundle);
            return null;
        });
    }

    @Override
    public boolean delete(String name, Lease lease) throws IOException {
        var dir = certificateDirectory(name);
        return guarded(name, () -> {
            leases.check(name, lease);
            recover(name);
            if (!Files.exists(dir)) {
                return false;
            }
            var previous = certificates().resolve(PREVIOUS + name);
            FileOperations.move(dir, previous);
            FileOperations.deleteRecursively(previous);
            listing.deleted(name);
            touchRevision();
            LOG.debug("Deleted certificate {} from {}", name, dir);
            return true;
        });
    }

    /**
     * Reads one file, the journal {@code certificates/.listing}, and the directory's entries, however many
     * certificates there are; a certificate the journal lacks is read from its {@code metadata.json}.
     */
    @Override
    public List<StoredCertificate> list() throws IOException {
        return listing.list(this::listed);
    }

    /** What {@code metadata.json} says of certificate {@code name}, or null if it cannot be read. */
    private StoredCertificate listed(String name) {
        var dir = certificates().resolve(name);
        try {
            var json = JSON.parse(Files.readString(dir.resolve(METADATA), StandardCharsets.UTF_8));
            return new StoredCertificate(name, json.get("domains").asArray().stream().map(JSON.Value::asString)
                    .toList(), new BigInteger(json.get("serial").asString(), 16), json.get("notBefore").asInstant(),
                    json.get("notAfter").asInstant());
        } catch (NoSuchFileException gone) {
            return null; // deleted or replaced meanwhile
        } catch (IOException | RuntimeException e) {
            LOG.debug("Left {} out of the listing: {}", dir, e.toString());
            return null;
        }
    }

    /** The end of the journal {@code certificates/.listing}: its generation and its length. */
    @Override
    public String position() throws IOException {
        return listing.position();
    }

    /** The journal's lines after {@code position}; empty once the journal was rewritten. */
    @Override
    public Optional<Changes> changesSince(String position) throws IOException {
        return listing.changesSince(position);
    }

    /** A random value rewritten by every save and delete, in {@code certificates/.revision}. */
    @Override
    public String revision() throws IOException {
        try {
            return Files.readString(certificates().resolve(REVISION), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return "none";
        }
    }

    /** Writes {@code bundle} to a staging directory and swaps it in; the caller holds the name's guard. */
    private void swapIn(CertificateBundle bundle) throws IOException {
        var name = bundle.name();
        var dir = certificateDirectory(name);
        var staging = certificates().resolve(STAGING + name);
        var previous = certificates().resolve(PREVIOUS + name);
        files.createDirectories(certificates());
        recover(name);
        FileOperations.deleteRecursively(staging);
        files.createDirectory(staging);
        var intermediates = bundle.chain().subList(1, bundle.chain().size());
        var keyText = Pem.privateKey(bundle.privateKey());
        files.writeFile(staging.resolve("privkey.pem"), keyText, OWNER_ONLY_FILE);
        files.writeFile(staging.resolve("cert.pem"), Pem.certificates(List.of(bundle.leaf())), PUBLIC_FILE);
        files.writeFile(staging.resolve("chain.pem"), Pem.certificates(intermediates), PUBLIC_FILE);
        var chainText = Pem.certificates(bundle.chain());
        files.writeFile(staging.resolve("fullchain.pem"), chainText, PUBLIC_FILE);
        // written last: its presence marks a complete staging directory
        files.writeFile(staging.resolve(METADATA), metadata(bundle, pairDigest(keyText, chainText)), PUBLIC_FILE);
        FileOperations.syncDirectory(staging);
        if (Files.exists(dir)) {
            FileOperations.move(dir, previous);
        }
        FileOperations.move(staging, dir);
        FileOperations.syncDirectory(certificates());
        FileOperations.deleteRecursively(previous);
        listing.saved(StoredCertificate.of(bundle));
        touchRevision();
        LOG.debug("Stored certificate {} in {}", name, dir);
    }

    private void touchRevision() throws IOException {
        files.replaceFile(certificates().resolve(REVISION), UUID.randomUUID().toString(), PUBLIC_FILE);
    }

    @Override
    public Optional<KeyPair> loadAccountKey(String accountId) throws IOException {
        var file = accountDirectory(accountId).resolve("account.key");
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pem.readKeyPair(pem));
        } catch (IOException e) {
            throw new IOException("Unreadable account key " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void saveAccountKey(String accountId, KeyPair keyPair) throws IOException {
        var dir = accountDirectory(accountId);
        synchronized (guards.monitor("account:" + accountId)) {
            files.createDirectories(dir);
            files.replaceFile(dir.resolve("account.key"), Pem.keyPair(keyPair), OWNER_ONLY_FILE);
        }
    }

    @Override
    public void putChallenge(String key, String value, Duration ttl) throws IOException {
        challenges.put(key, value, ttl);
    }

    @Override
    public Optional<String> challenge(String key) throws IOException {
        return challenges.get(key);
    }

    @Override
    public void removeChallenge(String key) throws IOException {
        challenges.remove(key);
    }

    /** Checks each pair it reads: what it wrote by the digest it kept, anything else with a key operation. */
    @Override
    public boolean loadChecksKeyPairs() {
        return true;
    }

    /** What is wrong with the root directory for keeping keys (writable by every user, with the fix). */
    @Override
    public List<String> warnings() {
        return StorageProblems.of(root, posix);
    }

    /** Why the root directory cannot keep anything (not writable, or a read-only file system), with the fix. */
    @Override
    public Optional<String> unfit() {
        return StorageProblems.unwritable(root, posix);
    }

    @Override
    public String toString() {
        return "FileCertificateStore[" + root + "]";
    }

    private Path certificates() {
        return root.resolve("certificates");
    }

    private Path accountDirectory(String accountId) {
        if (!ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException("Invalid account id '" + accountId + "'");
        }
        return root.resolve("accounts").resolve(accountId);
    }

    private static String checkName(String name) {
        // ManagedCertificate validates names; this guards the file system against other callers
        if (name.isEmpty() || name.startsWith(".") || name.contains("/") || name.contains("\\")
                || name.contains("..")) {
            throw new IllegalArgumentException("Invalid certificate name '" + name + "'");
        }
        return name;
    }

    /** Whether a replacement of {@code name} has begun and not ended: in another process, or cut by a crash. */
    private boolean swapUnderWay(String name) {
        return Files.exists(certificates().resolve(STAGING + name)) || Files.exists(certificates().resolve(PREVIOUS
                + name));
    }

    <T> T guarded(String name, FileGuards.Guarded<T> action) throws IOException {
        return guards.guarded(checkName(name), action);
    }

    /** Completes or rolls back a swap that a crash interrupted. */
    private void recover(String name) throws IOException {
        var dir = certificates().resolve(name);
        var staging = certificates().resolve(STAGING + name);
        var previous = certificates().resolve(PREVIOUS + name);
        if (!Files.exists(dir)) {
            if (Files.exists(staging.resolve(METADATA)) && Files.exists(previous)) {
                LOG.warn("Completing the interrupted replacement of certificate {} in {}", name, dir);
                FileOperations.move(staging, dir);
            } else if (Files.exists(previous)) {
                LOG.warn("Restoring certificate {} in {} after an interrupted replacement", name, dir);
                FileOperations.move(previous, dir);
            }
        }
        if (Files.exists(dir)) {
            FileOperations.deleteRecursively(staging);
            FileOperations.deleteRecursively(previous);
        }
    }

    private CertificateBundle read(String name, Path dir) throws IOException, Corruption {
        var fullchain = dir.resolve("fullchain.pem");
        var privkey = dir.resolve("privkey.pem");
        var metadataFile = dir.resolve(METADATA);
        var chainText = text(fullchain);
        var keyText = text(privkey);
        var chain = parse(fullchain, chainText, Pem::readCertificates);
        var key = parse(privkey, keyText, Pem::readPrivateKey);
        var metadata = parse(metadataFile, text(metadataFile), JSON::parse);
        var domains = parse(metadataFile, metadata, json -> {
            var result = new ArrayList<String>();
            json.get("domains").asArray().forEach(value -> result.add(value.asString()));
            return result;
        });
        // the pair as this store wrote it, after checking it, needs no second check; anything else (a restore
        // from another backup, a hand edit, an older store) is checked, at the cost of a key operation
        var digest = metadata.get(PAIR_DIGEST);
        if ((!digest.isPresent() || !digest.asString().equals(pairDigest(keyText, chainText)))
                && !KeyPairs.matches(chain.get(0).getPublicKey(), key)) {
            throw new Corruption(privkey + " holds a " + key.getAlgorithm() + " key that does not belong to the "
                    + chain.get(0).getPublicKey().getAlgorithm() + " key of the certificate in " + fullchain, null);
        }
        try {
            return new CertificateBundle(name, domains, chain, key);
        } catch (IllegalArgumentException e) {
            throw new Corruption(dir + " is inconsistent: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a key and chain as written, recorded in the metadata of a pair this store checked. */
    private static String pairDigest(String keyText, String chainText) {
        return FileOperations.sha256(keyText + '\0' + chainText);
    }

    private interface Parser<S, T> {
        T parse(S input) throws IOException;
    }

    /** Reads {@code file}: an I/O failure is thrown as is; a missing or unparsable file is a corruption. */
    private static String text(Path file) throws IOException, Corruption {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Corruption(file + " is missing", e);
        } catch (CharacterCodingException e) {
            throw new Corruption(file + " is not text", e);
        }
    }

    private static <S, T> T parse(Path file, S input, Parser<S, T> parser) throws Corruption {
        try {
            return parser.parse(input);
        } catch (IOException | RuntimeException e) {
            // a parser may quote what it read: one line, capped, whatever the file holds
            throw new Corruption(file + " cannot be parsed: " + LogText.quoted(String.valueOf(e.getMessage()), 200),
                    e);
        }
    }

    /** Moves an unreadable certificate directory to {@code corrupt/<name>-<time>}, never deleting it. */
    private Path moveAside(String name, Path dir) throws IOException {
        var corrupt = root.resolve("corrupt");
        files.createDirectories(corrupt);
        var stamp = CORRUPT_STAMP.format(clock.instant());
        var target = corrupt.resolve(name + "-" + stamp);
        for (int i = 2; Files.exists(target); i++) {
            target = corrupt.resolve(name + "-" + stamp + "-" + i);
        }
        FileOperations.move(dir, target);
        FileOperations.syncDirectory(certificates());
        return target;
    }

    /** An entry that exists but cannot be parsed. */
    private static final class Corruption extends Exception {
        Corruption(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String metadata(CertificateBundle bundle, String pairDigest) {
        return new JSONBuilder()
                .put(PAIR_DIGEST, pairDigest)
                .put("name", bundle.name())
                .put("domains", bundle.domains())
                .put("serial", bundle.serialNumber().toString(16))
                .put("notBefore", bundle.notBefore())
                .put("notAfter", bundle.notAfter())
                .put("issuer", bundle.leaf().getIssuerX500Principal().getName())
                .toString() + "\n";
    }
}
