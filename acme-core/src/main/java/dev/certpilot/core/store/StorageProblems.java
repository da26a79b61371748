package dev.certpilot.core.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What is wrong with a file store's directory for keeping keys. Stateless. */
public final class StorageProblems {

    private StorageProblems() {
    }

    /**
     * What is wrong with the root directory for keeping keys, each as a sentence that names the fix: not writable
     * (obtained certificates could not be stored, and every restart would order them again), or writable by every
     * user (anyone on the host could replace certificates and keys). Empty when all is well or the root does not
     * exist yet. Reads the file system; called once at start.
     */
    public static List<String> of(Path root, boolean posix) {
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
}
