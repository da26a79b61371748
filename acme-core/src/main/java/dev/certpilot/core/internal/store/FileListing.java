package dev.certpilot.core.internal.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * The file store's listing, kept in one journal, {@code certificates/.listing}, so that listing a million
 * certificates reads one file and one directory instead of a million files: each save appends a line
 * {@code + name serial notBefore notAfter domains}, each delete {@code - name}. Appends and rewrites hold the
 * listing's guard (an operating-system lock shared by every process). A listing checks the journal against the
 * directory's entries: a certificate the journal lacks (written by an older version, copied in by hand) is read from
 * its {@code metadata.json} and one gone is dropped; the journal is then rewritten, as it is when it has grown to
 * more than twice its live entries, with a new generation at its head. Its appends are also the store's change feed:
 * a position is the generation and a length, and the changes are the lines after it. Thread-safe; several
 * processes may share it.
 */
public final class FileListing {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    static final String JOURNAL = ".listing";

    /** Reads a certificate's metadata.json, or null if it cannot. */
    public interface MetadataReader {
        StoredCertificate read(String name) throws IOException;
    }

    private final Path certificates;
    private final Path journal;
    private final FileGuards guards;
    private final FileOperations files;

    public FileListing(Path certificates, FileGuards guards, FileOperations files) {
        this.certificates = certificates;
        this.journal = certificates.resolve(JOURNAL);
        this.guards = guards;
        this.files = files;
    }

    /** Records a save; the caller holds the certificate's guard. */
    public void saved(StoredCertificate entry) throws IOException {
        append("+\t" + entry.name() + "\t" + entry.serial().toString(16) + "\t" + entry.notBefore().getEpochSecond()
                + "\t" + entry.notAfter().getEpochSecond() + "\t" + String.join(",", entry.domains()) + "\n");
    }

    /** Records a delete; the caller holds the certificate's guard. */
    public void deleted(String name) throws IOException {
        append("-\t" + name + "\n");
    }

    private void append(String line) throws IOException {
        guards.guardedListing(() -> {
            try (var channel = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)) {
                var bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            return null;
        });
    }

    /** The listing; reads {@code metadata} for certificates the journal lacks. */
    public List<StoredCertificate> list(MetadataReader metadata) throws IOException {
        if (!Files.isDirectory(certificates)) {
            return List.of();
        }
        var read = read();
        var present = directories();
        if (read.entries.keySet().equals(present) && !read.overgrown()) {
            return new ArrayList<>(read.entries.values());
        }
        // out of step with the directory, or overgrown: judged again and rewritten under the guard
        return guards.guardedListing(() -> {
            var again = read();
            var now = directories();
            var entries = again.entries;
            entries.keySet().retainAll(now);
            var added = 0;
            for (var name : now) {
                if (!entries.containsKey(name)) {
                    var entry = metadata.read(name);
                    if (entry != null) {
                        entries.put(name, entry);
                        added++;
                    }
                }
            }
            rewrite(entries);
            if (added > 0) {
                LOG.info("Added {} certificates to the store's listing {} from their metadata", added, journal);
            }
            return new ArrayList<>(entries.values());
        });
    }

    /** What the journal says, how many lines it took, and whether a line was torn or foreign. */
    private record Journal(Map<String, StoredCertificate> entries, int lines, boolean damaged) {
        boolean overgrown() {
            return damaged || lines > 2 * entries.size() + 1000;
        }
    }

    private Journal read() throws IOException {
        var entries = new HashMap<String, StoredCertificate>();
        var lines = 0;
        var damaged = false;
        try (var reader = new BufferedReader(new InputStreamReader(Files.newInputStream(journal),
                StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines++;
                var fields = line.split("\t", -1);
                try {
                    if (fields[0].equals("+") && fields.length == 6) {
                        entries.put(fields[1], entry(fields));
                    } else if (fields[0].equals("-") && fields.length == 2) {
                        entries.remove(fields[1]);
                    } else if (!(fields[0].equals("#") && lines == 1)) {
                        damaged = true; // a torn or foreign line: the journal is rewritten
                    }
                } catch (RuntimeException e) {
                    damaged = true;
                }
            }
        } catch (NoSuchFileException e) {
            return new Journal(entries, 0, true);
        }
        return new Journal(entries, lines, damaged);
    }

    private static StoredCertificate entry(String[] fields) {
        return new StoredCertificate(fields[1], Arrays.asList(fields[5].split(",")), new BigInteger(fields[2], 16),
                Instant.ofEpochSecond(Long.parseLong(fields[3])), Instant.ofEpochSecond(Long.parseLong(fields[4])));
    }

    /**
     * Where the journal ends now: its generation (a random value written at the head of each rewrite) and its
     * length, {@code GENERATION:LENGTH}.
     */
    public String position() throws IOException {
        try (var channel = FileChannel.open(journal, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return generation(channel) + ":" + channel.size();
        } catch (NoSuchFileException e) {
            return ":0";
        }
    }

    /**
     * The lines appended after {@code position}, read from the same file: empty when the journal was rewritten since
     * (another generation), is shorter, or holds a line that cannot be read there.
     */
    public Optional<ChangeFeed.Changes> changesSince(String position) throws IOException {
        var colon = position.lastIndexOf(':');
        long offset;
        try {
            offset = Long.parseLong(position.substring(colon + 1));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        var generation = colon < 0 ? "" : position.substring(0, colon);
        try (var channel = FileChannel.open(journal, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            var size = channel.size();
            if (!generation(channel).equals(generation) || size < offset) {
                return Optional.empty();
            }
            if (size - offset > Integer.MAX_VALUE - 8) {
                return Optional.empty(); // more to read than a listing: the reader lists
            }
            var bytes = ByteBuffer.allocate((int) (size - offset));
            while (bytes.hasRemaining() && channel.read(bytes, offset + bytes.position()) >= 0) {
                // reads what was there at the start; later appends are for the next call
            }
            var text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
            var end = text.lastIndexOf('\n') + 1; // a line being appended is left for the next call
            var saved = new LinkedHashMap<String, StoredCertificate>();
            var deleted = new LinkedHashSet<String>();
            for (var line : text.substring(0, end).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                var fields = line.split("\t", -1);
                try {
                    if (fields[0].equals("+") && fields.length == 6) {
                        deleted.remove(fields[1]);
                        saved.remove(fields[1]);
                        saved.put(fields[1], entry(fields));
                    } else if (fields[0].equals("-") && fields.length == 2) {
                        saved.remove(fields[1]);
                        deleted.add(fields[1]);
                    } else {
                        return Optional.empty(); // not a line boundary of this journal: the reader lists
                    }
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            }
            var consumed = text.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
            return Optional.of(new ChangeFeed.Changes(List.copyOf(saved.values()), List.copyOf(deleted),
                    generation + ":" + (offset + consumed)));
        } catch (NoSuchFileException e) {
            return offset == 0 && generation.isEmpty() ? Optional.of(new ChangeFeed.Changes(List.of(), List.of(),
                    position)) : Optional.empty();
        }
    }

    /** The generation at the journal's head ({@code #\tGENERATION}), or empty for a journal without one. */
    private static String generation(FileChannel channel) throws IOException {
        var head = ByteBuffer.allocate(64);
        channel.read(head, 0);
        var text = new String(head.array(), 0, head.position(), StandardCharsets.UTF_8);
        var newline = text.indexOf('\n');
        return text.startsWith("#\t") && newline > 2 ? text.substring(2, newline) : "";
    }

    private Set<String> directories() throws IOException {
        var names = new HashSet<String>();
        try (var dirs = Files.newDirectoryStream(certificates, dir -> !dir.getFileName().toString().startsWith("."))) {
            for (var dir : dirs) {
                names.add(dir.getFileName().toString());
            }
        }
        return names;
    }

    private void rewrite(Map<String, StoredCertificate> entries) throws IOException {
        var text = new StringBuilder(entries.size() * 96 + 40);
        // a new generation: readers of the feed at a position in the old journal list everything
        text.append("#\t").append(UUID.randomUUID()).append('\n');
        for (var entry : entries.values()) {
            text.append("+\t").append(entry.name()).append('\t').append(entry.serial().toString(16)).append('\t')
                    .append(entry.notBefore().getEpochSecond()).append('\t').append(entry.notAfter().getEpochSecond())
                    .append('\t').append(String.join(",", entry.domains())).append('\n');
        }
        files.replaceFile(journal, text.toString(), FileOperations.PUBLIC_FILE);
    }
}
