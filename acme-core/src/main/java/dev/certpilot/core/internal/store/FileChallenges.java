package dev.certpilot.core.internal.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import dev.certpilot.core.FileCertificateStore;

/**
 * The pending challenge answers of a {@link FileCertificateStore}: one file per key in {@code challenges/}, named by
 * the key's SHA-256 and holding the expiry, the key and the value, replaced atomically; expired files are deleted
 * at the next publication. Thread-safe.
 */
public final class FileChallenges {

    private final Path dir;
    private final Clock clock;
    private final FileOperations files;

    public FileChallenges(Path dir, Clock clock, FileOperations files) {
        this.dir = dir;
        this.clock = clock;
        this.files = files;
    }

    /** Publishes {@code value} under {@code key} until {@code ttl} has passed. */
    public void put(String key, String value, Duration ttl) throws IOException {
        if (value.length() > 16 * 1024) {
            throw new IllegalArgumentException("A challenge answer is at most 16 KiB; got " + value.length()
                    + " characters");
        }
        files.createDirectories(dir);
        sweepChallenges();
        var expires = clock.instant().plus(ttl).toEpochMilli();
        files.replaceFile(challengeFile(key), expires + "\n" + key + "\n" + value,
                FileOperations.OWNER_ONLY_FILE);
    }

    /** The value under {@code key}, unless removed or expired. */
    public Optional<String> get(String key) throws IOException {
        var file = challengeFile(key);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        var lines = text.split("\n", 3);
        if (lines.length < 3 || !lines[1].equals(key) || expired(lines[0])) {
            return Optional.empty();
        }
        return Optional.of(lines[2]);
    }

    /** Removes the value under {@code key}, if any. */
    public void remove(String key) throws IOException {
        Files.deleteIfExists(challengeFile(key));
    }

    /** Deletes answers whose time has passed, left by instances that died before removing them. */
    private void sweepChallenges() throws IOException {
        try (var files = Files.newDirectoryStream(dir, file -> !file.getFileName().toString()
                .startsWith("."))) {
            for (var file : files) {
                try {
                    if (expired(Files.readString(file, StandardCharsets.UTF_8).split("\n", 2)[0])) {
                        Files.deleteIfExists(file);
                    }
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        }
    }

    private boolean expired(String epochMillis) {
        try {
            return Long.parseLong(epochMillis) <= clock.millis();
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private Path challengeFile(String key) {
        if (key.isEmpty() || key.length() > 600 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new IllegalArgumentException("A challenge key is 1 to 600 printable ASCII characters, got '"
                    + key + "'");
        }
        return dir.resolve(FileOperations.sha256(key));
    }
}
