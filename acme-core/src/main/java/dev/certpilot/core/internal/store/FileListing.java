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
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.StoredCertificate;

/**
 * The file store's listing, kept in one journal, {@code certificates/.listing}, so that listing a million
 * certificates reads one file and one directory instead of a million files: each save appends a line
 * {@code + name serial notBefore notAfter domains}, each delete {@code - name}. Appends and rewrites hold the
 * listing's guard (an operating-system lock shared by every process). A listing checks the journal against the
 * directory's entries: a certificate the journal lacks (written by an older version, copied in by hand) is read from
 * its {@code metadata.json} and one gone is dropped; the journal is then rewritten, as it is when it has grown to
 * more than twice its live entries. Thread-safe; several processes may share it.
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
                        entries.put(fields[1], new StoredCertificate(fields[1], Arrays.asList(fields[5].split(",")),
                                new BigInteger(fields[2], 16), Instant.ofEpochSecond(Long.parseLong(fields[3])),
                                Instant.ofEpochSecond(Long.parseLong(fields[4]))));
                    } else if (fields[0].equals("-") && fields.length == 2) {
                        entries.remove(fields[1]);
                    } else {
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
        var text = new StringBuilder(entries.size() * 96);
        for (var entry : entries.values()) {
            text.append("+\t").append(entry.name()).append('\t').append(entry.serial().toString(16)).append('\t')
                    .append(entry.notBefore().getEpochSecond()).append('\t').append(entry.notAfter().getEpochSecond())
                    .append('\t').append(String.join(",", entry.domains())).append('\n');
        }
        files.replaceFile(journal, text.toString(), FileOperations.PUBLIC_FILE);
    }
}
