package dev.certpilot.core.internal.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.LeaseLostException;

/**
 * The leases of a {@link FileCertificateStore}: {@code locks/<name>.lease} holds one line, {@code token pid host
 * expiry-millis}, replaced atomically. Every step runs under the name's guard (the store's cross-process lock for
 * a few file operations). A lease ends at its expiry by the reading host's clock, or at once when its holder was a
 * process of this host that no longer runs. Thread-safe.
 */
public final class FileLeases {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final Path dir;
    private final Clock clock;
    private final FileGuards guards;
    private final FileOperations files;
    private volatile String host;

    public FileLeases(Path dir, Clock clock, FileGuards guards, FileOperations files) {
        this.dir = dir;
        this.clock = clock;
        this.guards = guards;
        this.files = files;
    }

    /** Takes the lease of {@code name} if it is free; the caller holds the name's guard. */
    public Optional<Lease> take(String name, Duration duration) throws IOException {
        var current = read(name);
        if (current != null && current.heldAt(clock.instant(), host())) {
            return Optional.empty();
        }
        if (current != null) {
            LOG.info("Taking over the lease of certificate {} from {} (expired {})", name, current.holder(),
                    current.expires());
        }
        var record = new Record(UUID.randomUUID().toString(), ProcessHandle.current().pid(), host(),
                clock.instant().plus(duration));
        write(name, record);
        return Optional.of(new FileLease(name, duration, record));
    }

    /**
     * Throws unless {@code lease} is one of this store's and still held; the caller holds the name's guard.
     *
     * @throws LeaseLostException if it has ended or another holder has it
     */
    public void check(String name, Lease lease) throws IOException {
        if (!(lease instanceof FileLease mine) || mine.leases() != this || !mine.name.equals(name)) {
            throw new IllegalArgumentException("The lease " + lease + " is not this store's lease of " + name);
        }
        var current = read(name);
        if (current == null || !current.token.equals(mine.record.token) || !current.expires.isAfter(clock.instant())) {
            throw new LeaseLostException("The lease of certificate " + name + " taken by this process ended at "
                    + mine.record.expires + (current == null ? "" : "; now " + current.holder() + " holds it until "
                    + current.expires));
        }
    }

    private Record read(String name) throws IOException {
        try {
            var fields = Files.readString(file(name), StandardCharsets.UTF_8).trim().split(" ");
            return new Record(fields[0], Long.parseLong(fields[1]), fields[2],
                    Instant.ofEpochMilli(Long.parseLong(fields[3])));
        } catch (NoSuchFileException e) {
            return null;
        } catch (RuntimeException e) {
            LOG.warn("Lease file {} is unreadable; treating the lease as free", file(name));
            return null;
        }
    }

    private void write(String name, Record record) throws IOException {
        files.createDirectories(dir);
        files.replaceFile(file(name), record.token + " " + record.pid + " " + record.host + " "
                + record.expires.toEpochMilli() + "\n", FileOperations.OWNER_ONLY_FILE);
    }

    private Path file(String name) {
        return dir.resolve(name + ".lease");
    }

    private String host() {
        var known = host;
        if (known == null) {
            try {
                known = Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).trim();
            } catch (IOException | RuntimeException e) {
                known = "";
            }
            if (known.isEmpty()) {
                try {
                    known = InetAddress.getLocalHost().getHostName();
                } catch (IOException e) {
                    known = "unknown";
                }
            }
            known = known.replace(' ', '_');
            host = known;
        }
        return known;
    }

    /** What a lease file says. */
    private record Record(String token, long pid, String host, Instant expires) {

        boolean heldAt(Instant now, String thisHost) {
            if (!expires.isAfter(now)) {
                return false;
            }
            // a process of this host that is gone holds nothing (process ids are reused rarely, and then only
            // delay a takeover until the expiry)
            return !host.equals(thisHost) || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        String holder() {
            return "process " + pid + " on " + host;
        }
    }

    /** A lease this store gave. */
    private final class FileLease implements Lease {

        private final String name;
        private final Duration duration;
        private volatile Record record;
        private volatile boolean closed;

        FileLease(String name, Duration duration, Record record) {
            this.name = name;
            this.duration = duration;
            this.record = record;
        }

        FileLeases leases() {
            return FileLeases.this;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Instant expiresAt() {
            return record.expires;
        }

        @Override
        public void renew() throws IOException {
            if (closed) {
                throw new LeaseLostException("The lease of certificate " + name + " was closed");
            }
            guards.guarded(name, () -> {
                check(name, this);
                var renewed = new Record(record.token, record.pid, record.host, clock.instant().plus(duration));
                write(name, renewed);
                record = renewed;
                return null;
            });
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                guards.guarded(name, () -> {
                    var current = read(name);
                    if (current != null && current.token.equals(record.token)) {
                        Files.deleteIfExists(file(name));
                    }
                    return null;
                });
            } catch (IOException e) {
                LOG.warn("Could not release the lease of certificate {} ({}); it ends at {}", name, e.getMessage(),
                        record.expires);
            }
        }

        @Override
        public String toString() {
            return "FileLease[" + name + " until " + record.expires + "]";
        }
    }
}
