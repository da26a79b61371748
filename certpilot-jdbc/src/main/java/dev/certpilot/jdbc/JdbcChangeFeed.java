package dev.certpilot.jdbc;

import java.io.IOException;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * The JDBC store's change feed. Every write takes the next position from the one row of {@code certpilot_feed}
 * inside its transaction, so writers take positions in the order they commit (the row stays locked until then): a
 * reader that saw position P has seen every write up to P, and reads the writes after it by the {@code revision}
 * of the certificates saved and the tombstones in {@code certpilot_deleted} (kept a week; older ones raise the
 * feed's floor, below which readers list everything). On PostgreSQL, writers also notify {@value #CHANNEL}, which
 * it delivers to {@link ChangeListener}s on commit. Stateless; thread-safe.
 */
final class JdbcChangeFeed {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    /** How long a delete is kept for readers of the feed. */
    private static final int TOMBSTONE_DAYS = 7;
    /** The PostgreSQL notification channel of writes. */
    static final String CHANNEL = "certpilot_changes";

    private final Database database;

    JdbcChangeFeed(Database database) {
        this.database = database;
    }

    /**
     * The next position, for a write in the transaction on {@code connection}; locks the feed until it ends. Also
     * advances the revision sequence that instances of certpilot before the feed poll, and notifies listeners.
     */
    long next(Connection connection) throws SQLException {
        try (var advance = database.prepare(connection, "UPDATE certpilot_feed SET position = position + 1 WHERE "
                + "id = 1");
             var read = database.prepare(connection, "SELECT position FROM certpilot_feed WHERE id = 1")) {
            advance.executeUpdate();
            long position;
            try (var row = read.executeQuery()) {
                row.next();
                position = row.getLong(1);
            }
            if (database.dialect() == Dialect.POSTGRESQL) {
                try (var legacy = database.prepare(connection, "SELECT nextval('certpilot_revision'), "
                        + "pg_notify(?, '')")) {
                    legacy.setString(1, CHANNEL);
                    legacy.executeQuery().close();
                }
            }
            return position;
        }
    }

    /** Records that {@code name} was saved: a tombstone of an earlier delete goes. */
    void saved(Connection connection, String name) throws SQLException {
        try (var drop = database.prepare(connection, "DELETE FROM certpilot_deleted WHERE name = ?")) {
            drop.setString(1, name);
            drop.executeUpdate();
        }
    }

    /**
     * Records that {@code name} was deleted at {@code position}, and prunes tombstones older than a week, raising the
     * floor to the newest of them; the caller holds the feed's row ({@link #next}).
     */
    void deleted(Connection connection, String name, long position) throws SQLException {
        var dialect = database.dialect();
        try (var tombstone = database.prepare(connection, dialect.upsert("certpilot_deleted", "name",
                List.of("name", "position", "deleted_at"), "?, ?, " + dialect.now(), List.of("position",
                        "deleted_at")));
             var oldest = database.prepare(connection, "SELECT max(position) FROM certpilot_deleted WHERE deleted_at < "
                     + dialect.daysAgo(TOMBSTONE_DAYS));
             var prune = database.prepare(connection, "DELETE FROM certpilot_deleted WHERE position <= ?");
             var floor = database.prepare(connection, "UPDATE certpilot_feed SET floor = ? WHERE id = 1 AND floor < ?")) {
            tombstone.setString(1, name);
            tombstone.setLong(2, position);
            tombstone.executeUpdate();
            try (var row = oldest.executeQuery()) {
                row.next();
                var pruned = row.getLong(1);
                if (!row.wasNull()) {
                    prune.setLong(1, pruned);
                    prune.executeUpdate();
                    floor.setLong(1, pruned);
                    floor.setLong(2, pruned);
                    floor.executeUpdate();
                }
            }
        }
    }

    /** The last position written (committed). */
    String position() throws IOException {
        return database.call("read the change feed's position", connection -> String.valueOf(read(connection)[0]));
    }

    /** The position and the floor. */
    private long[] read(Connection connection) throws SQLException {
        try (var select = database.prepare(connection, "SELECT position, floor FROM certpilot_feed WHERE id = 1");
             var row = select.executeQuery()) {
            row.next();
            return new long[] {row.getLong(1), row.getLong(2)};
        }
    }

    /** The certificates saved and deleted after {@code position}; empty below the floor or past the end. */
    Optional<ChangeFeed.Changes> changesSince(String position) throws IOException {
        long after;
        try {
            after = Long.parseLong(position);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return database.call("read the change feed", connection -> {
            var now = read(connection);
            if (after < now[1] || after > now[0]) {
                return Optional.empty();
            }
            var saved = new ArrayList<StoredCertificate>();
            try (var select = database.prepare(connection, "SELECT name, domains, serial, not_before, not_after, "
                    + "CASE WHEN not_before IS NULL THEN chain_pem END FROM certpilot_certificate WHERE revision > ? "
                    + "AND revision <= ? ORDER BY revision")) {
                select.setLong(1, after);
                select.setLong(2, now[0]);
                try (var rows = select.executeQuery()) {
                    while (rows.next()) {
                        entry(rows).ifPresent(saved::add);
                    }
                }
            }
            var deleted = new ArrayList<String>();
            try (var select = database.prepare(connection, "SELECT name FROM certpilot_deleted WHERE position > ? "
                    + "AND position <= ? ORDER BY position")) {
                select.setLong(1, after);
                select.setLong(2, now[0]);
                try (var rows = select.executeQuery()) {
                    while (rows.next()) {
                        deleted.add(rows.getString(1));
                    }
                }
            }
            return Optional.of(new ChangeFeed.Changes(saved, deleted, String.valueOf(now[0])));
        });
    }

    /**
     * A listing entry from a row of {@code name, domains, serial, not_before, not_after, chain_pem-if-no-not_before};
     * empty, and logged, when it cannot be read.
     */
    Optional<StoredCertificate> entry(ResultSet rows) throws SQLException {
        var dialect = database.dialect();
        try {
            // rows saved before version 2 have no not_before: it is read from their certificate
            var notBefore = dialect.instant(rows, 4);
            if (notBefore == null) {
                notBefore = Pem.readCertificates(rows.getString(6)).get(0).getNotBefore().toInstant();
            }
            return Optional.of(new StoredCertificate(rows.getString(1), Arrays.asList(rows.getString(2).split("\n")),
                    new BigInteger(rows.getString(3), 16), notBefore, dialect.instant(rows, 5)));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Left certificate {} out of the listing: {}", rows.getString(1), e.toString());
            return Optional.empty();
        }
    }
}
