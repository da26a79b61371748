package dev.certpilot.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Removes the temporary folders the real programs ran in. Stateless. */
final class WorkDirectories {

    private WorkDirectories() {
    }

    /** What a program wrote to {@code file}, or a note saying why it cannot be read: for failure messages. */
    static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Deletes {@code dir} and everything under it; null or missing is fine, what cannot be deleted stays. */
    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans what is left
        }
    }
}
