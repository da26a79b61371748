package dev.certpilot.core.internal.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;

/**
 * The file operations of the file store, each durable and owner-only where it matters: files written and flushed,
 * atomic renames, directories of mode 0700 on POSIX file systems. Stateless beyond whether the file system is POSIX;
 * thread-safe.
 */
public final class FileOperations {

    public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final boolean posix;

    public FileOperations(boolean posix) {
        this.posix = posix;
    }

    public void writeFile(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
        var attributes = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
        try (var channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), attributes)) {
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

    /** Replaces {@code file} atomically: written beside it, flushed, then renamed over it. */
    public void replaceFile(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
        var temporary = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID());
        try {
            writeFile(temporary, content, permissions);
            move(temporary, file);
            syncDirectory(file.getParent());
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    public void createDirectories(Path dir) throws IOException {
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

    public void createDirectory(Path dir) throws IOException {
        if (posix) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        } else {
            Files.createDirectory(dir);
        }
    }

    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The file system of " + from + " cannot rename atomically; "
                    + "put the certificate store on a local file system", e);
        }
    }

    public static void syncDirectory(Path dir) {
        try (var channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some platforms cannot open or sync a directory; the renames are still atomic
        }
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** The SHA-256 of {@code text} in UTF-8, as lower-case hex: file names for keys that are not names. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no SHA-256", e);
        }
    }
}
