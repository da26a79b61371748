package dev.certpilot.core.internal.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What is wrong with a file store's directory for keeping keys, found once at start. Stateless. */
public final class StorageProblems {

    private StorageProblems() {
    }

    /**
     * What makes {@code root} unfit to keep certificates at all, as a sentence that names the path and the fix: the
     * directory (or, before it exists, the nearest existing directory above it) is on a read-only file system or not
     * writable. Such a store would keep no certificate, account key or lease, so every start would order again and
     * spend the CA's limits: the manager refuses to start instead. Empty when it is writable. Reads the file system;
     * called once at start.
     */
    public static Optional<String> unwritable(Path root, boolean posix) {
        var existing = root.toAbsolutePath();
        while (existing != null && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.empty();
        }
        try {
            var readOnlyMount = Files.getFileStore(existing).isReadOnly();
            Set<PosixFilePermission> mode = posix ? Files.getPosixFilePermissions(existing) : Set.of();
            if (!readOnlyMount && Files.isWritable(existing)
                    && !(posix && !mode.contains(PosixFilePermission.OWNER_WRITE))) {
                return Optional.empty();
            }
            var where = existing.equals(root.toAbsolutePath()) ? "Storage directory " + root
                    : "Storage directory " + root + " cannot be created: " + existing;
            return Optional.of(where + " is not writable" + (readOnlyMount ? " (a read-only file system)"
                    : posix ? " (mode " + PosixFilePermissions.toString(mode) + ")" : "")
                    + ", so no certificate, account key or lease could be kept, and every start would order new "
                    + "certificates and spend the CA's rate limits. Not starting. Give certpilot a writable, "
                    + "persistent directory: mount a volume at " + root + " (Kubernetes with readOnlyRootFilesystem: a "
                    + "PersistentVolumeClaim, or at least an emptyDir), make it writable by the user running this "
                    + "application (chmod 700 " + existing + "), or choose another with storageDirectory(...) "
                    + "(Spring Boot: certpilot.storage.directory)");
        } catch (IOException e) {
            return Optional.of("Storage directory " + root + " cannot be inspected: " + e.getMessage());
        }
    }

    /**
     * What is wrong with a writable root directory for keeping keys, each as a sentence that names the fix: writable
     * by every user (anyone on the host could replace certificates and keys). Empty when all is well or the root
     * does not exist yet. Reads the file system; called once at start.
     */
    public static List<String> of(Path root, boolean posix) {
        var problems = new ArrayList<String>();
        if (!Files.isDirectory(root) || !posix) {
            return problems;
        }
        try {
            var mode = Files.getPosixFilePermissions(root);
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
}
