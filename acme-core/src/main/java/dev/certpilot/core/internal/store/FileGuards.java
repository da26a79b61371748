package dev.certpilot.core.internal.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The guards of a file store, in its {@code locks} directory: for each certificate name a monitor in this JVM and an
 * operating-system lock on {@code <name>.lock}, held only for the few file operations of one step (taking a lease,
 * a swap, a recovery), never across an order; and one such guard for the listing. Thread-safe.
 */
public final class FileGuards {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    /** An action on the file system, run holding a guard. */
    public interface Guarded<T> {
        T run() throws IOException;
    }

    private final Path dir;
    private final FileOperations files;
    private final ConcurrentMap<String, Object> monitors = new ConcurrentHashMap<>();

    /** Guards in {@code dir}, which is created at the first use. */
    public FileGuards(Path dir, FileOperations files) {
        this.dir = dir;
        this.files = files;
    }

    /**
     * This JVM's monitor for {@code name}, which {@link #guarded} holds too: enough for readers that only need to
     * exclude the store's own writers in this process.
     */
    public Object monitor(String name) {
        return monitors.computeIfAbsent(name, k -> new Object());
    }

    /** Runs {@code action} holding the guard of {@code name}, a name the store has already checked. */
    public <T> T guarded(String name, Guarded<T> action) throws IOException {
        return locked(name, dir.resolve(name + ".lock"), action);
    }

    /** Runs {@code action} holding the listing's guard, {@code .listing.lock}. */
    public <T> T guardedListing(Guarded<T> action) throws IOException {
        return locked(".listing", dir.resolve(".listing.lock"), action);
    }

    private <T> T locked(String key, Path file, Guarded<T> action) throws IOException {
        synchronized (monitor(key)) {
            files.createDirectories(dir);
            if (Files.isSymbolicLink(dir)) {
                throw new IOException("The store's lock directory " + dir + " is a symbolic link; remove it (certpilot "
                        + "recreates it) rather than let lock files be created elsewhere");
            }
            // never through a link planted at the lock's path: that would create or truncate a file elsewhere
            try (var channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                var deadline = System.nanoTime() + TIMEOUT.toNanos();
                FileLock lock = null;
                while (lock == null) {
                    try {
                        lock = channel.tryLock();
                    } catch (OverlappingFileLockException heldByAnotherStoreInThisJvm) {
                        lock = null;
                    }
                    if (lock == null) {
                        if (System.nanoTime() - deadline > 0) {
                            throw new IOException("The guard " + file + " stayed held by another process for "
                                    + TIMEOUT + "; is a process hanging on this file system?");
                        }
                        pause();
                    }
                }
                try {
                    return action.run();
                } finally {
                    lock.release();
                }
            }
        }
    }

    private static void pause() throws InterruptedIOException {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while waiting for a certificate's guard");
        }
    }
}
