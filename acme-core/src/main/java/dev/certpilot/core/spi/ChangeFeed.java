package dev.certpilot.core.spi;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An optional ability of a {@link CertificateStore} shared by several instances: what changed after a position, so
 * that each instance reads only the certificates saved or deleted elsewhere, not the whole listing, however many
 * certificates the store holds. Without it, an instance reads the whole {@linkplain CertificateStore#list() listing}
 * whenever the {@linkplain CertificateStore#revision() revision} changes. The file store and the JDBC store implement
 * it. Implementations are thread-safe; each call is a few reads of the file system or the database.
 */
public interface ChangeFeed {

    /**
     * Where the feed is now: a listing taken after this call, then {@link #changesSince} this position, together miss
     * nothing.
     *
     * @return the position, opaque to callers
     * @throws IOException if the store cannot be read
     */
    String position() throws IOException;

    /**
     * The certificates saved and deleted after {@code position}, in the order they happened, and the position they
     * bring the reader to. Empty when the feed no longer reaches back to {@code position} (it was compacted or
     * pruned, or the store was replaced): the reader then lists everything.
     *
     * @param position a value {@link #position()} or an earlier {@link Changes#position()} returned
     * @return the changes, or empty if {@code position} is out of reach
     * @throws IOException if the store cannot be read
     */
    Optional<Changes> changesSince(String position) throws IOException;

    /**
     * What changed.
     *
     * @param saved    what each saved certificate's listing entry is now, the last save of each name only
     * @param deleted  the names deleted (and not saved again since)
     * @param position where the reader is after these changes
     */
    record Changes(List<StoredCertificate> saved, List<String> deleted, String position) {

        /**
         * Copies the lists.
         *
         * @param saved    the entries saved
         * @param deleted  the names deleted
         * @param position the position after them
         */
        public Changes {
            saved = List.copyOf(saved);
            deleted = List.copyOf(deleted);
            Objects.requireNonNull(position, "position");
        }

        /**
         * Whether nothing changed.
         *
         * @return whether there is no change
         */
        public boolean isEmpty() {
            return saved.isEmpty() && deleted.isEmpty();
        }
    }
}
