package dev.certpilot.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;

/**
 * The file operations of the file store, each durable and owner-only where it matters: files written and flushed,
 * atomic renames, directories of mode 0700 on POSIX file systems. Stateless beyond whether the file system is POSIX;
 * thread-safe.
 */
final class FileOperations {

    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final boolean posix;

    FileOperations(boolean posix) {
        this.posix = posix;
    }

    void writeFile(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
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

    /** Replaces {@code file} atomically: written beside it, flushed, then renamed over it. */
    void replaceFile(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
        var temporary = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID());
        try {
            writeFile(temporary, content, permissions);
            move(temporary, file);
            syncDirectory(file.getParent());
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    void createDirectories(Path dir) throws IOException {
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

    void createDirectory(Path dir) throws IOException {
        if (posix) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        } else {
            Files.createDirectory(dir);
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The file system of " + from + " cannot rename atomically; "
                    + "put the certificate store on a local file system", e);
        }
    }

    static void syncDirectory(Path dir) {
        try (var channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some platforms cannot open or sync a directory; the renames are still atomic
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
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
