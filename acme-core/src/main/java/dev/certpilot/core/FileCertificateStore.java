package dev.certpilot.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import org.shredzone.acme4j.toolbox.JSON;
import org.shredzone.acme4j.toolbox.JSONBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.StoreLock;

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
 *   locks/&lt;name&gt;.lock                 held while an instance orders certificate name
 *   corrupt/&lt;name&gt;-&lt;time&gt;/           unreadable certificates, moved aside for inspection
 * </pre>
 *
 * <p>A certificate is replaced as a whole: its files are written and flushed to disk in a staging directory
 * beside the live one, which is then swapped in by two renames, all under the certificate's cross-process lock;
 * a crash at any point leaves the old or the new certificate, and the next access completes or rolls back the
 * swap, under that lock too, so that a process never completes or undoes a swap another is still making.
 * Directories are created with mode 0700 on POSIX file systems. Thread-safe; several processes may share the
 * directory.
 */
public final class FileCertificateStore implements CertificateStore {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    private static final Pattern ACCOUNT_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,199}");
    private static final String STAGING = ".staging-";
    private static final String PREVIOUS = ".previous-";
    private static final String METADATA = "metadata.json";
    private static final String PAIR_DIGEST = "keyAndChainSha256";
    /** How long a save, or a load that finds a replacement under way, waits for the certificate's lock. */
    private static final Duration SWAP_LOCK_TIMEOUT = Duration.ofMinutes(1);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private static final DateTimeFormatter CORRUPT_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path root;
    private final Clock clock;
    private final boolean posix;
    private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();
    /** The thread of this store holding each name's cross-process lock. */
    private final ConcurrentMap<String, Thread> heldBy = new ConcurrentHashMap<>();

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
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    /** The directory holding the live files of certificate {@code name}. */
    public Path certificateDirectory(String name) {
        return certificates().resolve(checkName(name));
    }

    @Override
    public Optional<CertificateBundle> load(String name) throws IOException {
        var dir = certificateDirectory(name);
        if (swapUnderWay(name)) {
            // another process may be in the middle of it: only the holder of the lock may complete or undo it
            withLock(name, () -> {
                synchronized (lockFor(name)) {
                    recover(name);
                }
            });
        }
        synchronized (lockFor(name)) {
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
        }
    }

    /**
     * Locks certificate {@code name} against other threads and processes with an operating-system lock on
     * {@code locks/<name>.lock}, which the system releases if the process dies. The file records the holder.
     */
    @Override
    public StoreLock lock(String name, Duration timeout) throws IOException, InterruptedException {
        if (heldBy.get(name) == Thread.currentThread()) {
            return () -> { }; // this thread holds it already (the manager saves while it holds the lock)
        }
        var file = root.resolve("locks").resolve(checkName(name) + ".lock");
        createDirectories(file.getParent());
        var deadline = System.nanoTime() + timeout.toNanos();
        var channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            for (long pause = 10; ; pause = Math.min(pause * 2, 500)) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException heldInThisJvm) {
                    lock = null;
                }
                if (lock != null) {
                    var held = lock;
                    var holder = ProcessHandle.current().pid() + " since " + clock.instant();
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.US_ASCII)), 0);
                    var owner = Thread.currentThread();
                    heldBy.put(name, owner);
                    var released = new AtomicBoolean();
                    return () -> {
                        if (released.getAndSet(true)) {
                            return;
                        }
                        heldBy.remove(name, owner);
                        try (channel) {
                            held.release();
                        } catch (IOException e) {
                            LOG.warn("Could not release lock {}: {}", file, e.getMessage());
                        }
                    };
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("Certificate " + name + " stayed locked by process " + holder(file)
                            + " for " + timeout + " (" + file + "); another instance is ordering it");
                }
                Thread.sleep(pause);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void save(CertificateBundle bundle) throws IOException {
        withLock(bundle.name(), () -> swapIn(bundle));
    }

    /** Writes {@code bundle} to a staging directory and swaps it in; the caller holds the certificate's lock. */
    private void swapIn(CertificateBundle bundle) throws IOException {
        if (!KeyPairs.matches(bundle.leaf().getPublicKey(), bundle.privateKey())) {
            throw new IllegalArgumentException("The private key of certificate " + bundle.name() + " does not belong "
                    + "to its certificate (serial " + bundle.serialNumber().toString(16) + "); not stored");
        }
        var name = bundle.name();
        var dir = certificateDirectory(name);
        var staging = certificates().resolve(STAGING + name);
        var previous = certificates().resolve(PREVIOUS + name);
        synchronized (lockFor(name)) {
            createDirectories(certificates());
            recover(name);
            deleteRecursively(staging);
            createDirectory(staging);
            var intermediates = bundle.chain().subList(1, bundle.chain().size());
            var keyText = Pem.privateKey(bundle.privateKey());
            writeFile(staging.resolve("privkey.pem"), keyText, OWNER_ONLY_FILE);
            writeFile(staging.resolve("cert.pem"), Pem.certificates(List.of(bundle.leaf())), PUBLIC_FILE);
            writeFile(staging.resolve("chain.pem"), Pem.certificates(intermediates), PUBLIC_FILE);
            var chainText = Pem.certificates(bundle.chain());
            writeFile(staging.resolve("fullchain.pem"), chainText, PUBLIC_FILE);
            // written last: its presence marks a complete staging directory
            writeFile(staging.resolve(METADATA), metadata(bundle, pairDigest(keyText, chainText)), PUBLIC_FILE);
            syncDirectory(staging);
            if (Files.exists(dir)) {
                move(dir, previous);
            }
            move(staging, dir);
            syncDirectory(certificates());
            deleteRecursively(previous);
        }
        LOG.debug("Stored certificate {} in {}", name, dir);
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
        synchronized (lockFor("account:" + accountId)) {
            createDirectories(dir);
            var temporary = dir.resolve(".account.key." + UUID.randomUUID());
            try {
                writeFile(temporary, Pem.keyPair(keyPair), OWNER_ONLY_FILE);
                move(temporary, dir.resolve("account.key"));
                syncDirectory(dir);
            } finally {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /**
     * What is wrong with the root directory for keeping keys, each as a sentence that names the fix: not writable
     * (obtained certificates could not be stored, and every restart would order them again), or writable by every
     * user (anyone on the host could replace certificates and keys). Empty when all is well or the root does not
     * exist yet. Reads the file system; called once at start.
     */
    List<String> problems() {
        var problems = new ArrayList<String>();
        if (!Files.isDirectory(root)) {
            return problems;
        }
        try {
            var readOnlyMount = Files.getFileStore(root).isReadOnly();
            Set<PosixFilePermission> mode = posix ? Files.getPosixFilePermissions(root) : Set.of();
            if (readOnlyMount || !Files.isWritable(root) || posix && !mode.contains(PosixFilePermission.OWNER_WRITE)) {
                problems.add("Storage directory " + root + " is not writable" + (readOnlyMount ? " (a read-only "
                        + "file system)" : posix ? " (mode " + PosixFilePermissions.toString(mode) + ")" : "")
                        + ": certificates obtained now cannot be stored and are ordered again after every restart. "
                        + "Make it writable by the user running this application, e.g. chmod 700 " + root);
            }
            if (mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                problems.add("Storage directory " + root + " is writable by every user (mode "
                        + PosixFilePermissions.toString(mode) + "): anyone on this host can replace its certificates "
                        + "and keys. Restrict it with chmod 700 " + root);
            }
        } catch (IOException e) {
            problems.add("Storage directory " + root + " cannot be inspected: " + e.getMessage());
        }
        return problems;
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

    private interface LockedAction {
        void run() throws IOException;
    }

    /** Runs {@code action} holding the cross-process lock of {@code name} (at once if this thread holds it). */
    private void withLock(String name, LockedAction action) throws IOException {
        try (var ignored = lock(name, SWAP_LOCK_TIMEOUT)) {
            action.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while waiting for the lock of certificate " + name);
        }
    }

    private Object lockFor(String key) {
        return locks.computeIfAbsent(key, k -> new Object());
    }

    /** Completes or rolls back a swap that a crash interrupted. */
    private void recover(String name) throws IOException {
        var dir = certificates().resolve(name);
        var staging = certificates().resolve(STAGING + name);
        var previous = certificates().resolve(PREVIOUS + name);
        if (!Files.exists(dir)) {
            if (Files.exists(staging.resolve(METADATA)) && Files.exists(previous)) {
                LOG.warn("Completing the interrupted replacement of certificate {} in {}", name, dir);
                move(staging, dir);
            } else if (Files.exists(previous)) {
                LOG.warn("Restoring certificate {} in {} after an interrupted replacement", name, dir);
                move(previous, dir);
            }
        }
        if (Files.exists(dir)) {
            deleteRecursively(staging);
            deleteRecursively(previous);
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
        try {
            var sha = MessageDigest.getInstance("SHA-256");
            sha.update(keyText.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(chainText.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no SHA-256", e);
        }
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
            throw new Corruption(file + " cannot be parsed: " + e.getMessage(), e);
        }
    }

    /** Moves an unreadable certificate directory to {@code corrupt/<name>-<time>}, never deleting it. */
    private Path moveAside(String name, Path dir) throws IOException {
        var corrupt = root.resolve("corrupt");
        createDirectories(corrupt);
        var stamp = CORRUPT_STAMP.format(clock.instant());
        var target = corrupt.resolve(name + "-" + stamp);
        for (int i = 2; Files.exists(target); i++) {
            target = corrupt.resolve(name + "-" + stamp + "-" + i);
        }
        move(dir, target);
        syncDirectory(certificates());
        return target;
    }

    private static String holder(Path lockFile) {
        try {
            var text = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "(unknown)" : text;
        } catch (IOException e) {
            return "(unknown)";
        }
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

    private void writeFile(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
        var attributes = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        try (var channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                attributes)) {
            var buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        if (posix) {
            // the umask may have narrowed the mode given at creation
            Files.setPosixFilePermissions(file, permissions);
        }
    }

    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        var missing = new ArrayList<Path>();
        for (var current = dir; current != null && !Files.exists(current); current = current.getParent()) {
            missing.add(current);
        }
        missing.sort(Comparator.comparingInt(Path::getNameCount));
        for (var path : missing) {
            try {
                createDirectory(path);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // created by another thread or process
            }
        }
    }

    private void createDirectory(Path dir) throws IOException {
        if (posix) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        } else {
            Files.createDirectory(dir);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The file system of " + from + " cannot rename atomically; "
                    + "put the certificate store on a local file system", e);
        }
    }

    private static void syncDirectory(Path dir) {
        try (var channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some platforms cannot open or sync a directory; the renames are still atomic
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
