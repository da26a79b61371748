package dev.certpilot.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tables and their versions. {@link #migrate} brings a database to the newest version, one
 * transaction per run, serialized across every node by a transaction-level advisory lock, so that instances starting
 * at once migrate once. Stateless.
 */
final class Schema {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    /** The advisory lock key of migrations: "certpilot" in ASCII, as a number. */
    private static final long MIGRATION_LOCK = 0x6365727470696c6fL;

    /** Version {@code i + 1} is {@code MIGRATIONS.get(i)}; append, never edit. */
    private static final List<List<String>> MIGRATIONS = List.of(List.of(
            """
            CREATE TABLE certpilot_certificate (
                name        text PRIMARY KEY,
                domains     text NOT NULL,
                serial      text NOT NULL,
                not_after   timestamptz NOT NULL,
                chain_pem   text NOT NULL,
                private_key text NOT NULL,
                revision    bigint NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now()
            )""",
            "CREATE SEQUENCE certpilot_revision",
            """
            CREATE TABLE certpilot_corrupt (
                id          bigserial PRIMARY KEY,
                name        text NOT NULL,
                reason      text NOT NULL,
                moved_at    timestamptz NOT NULL DEFAULT now(),
                domains     text,
                serial      text,
                chain_pem   text,
                private_key text
            )""",
            """
            CREATE TABLE certpilot_account_key (
                id         text PRIMARY KEY,
                key_pair   text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            )""",
            """
            CREATE TABLE certpilot_lease (
                name       text PRIMARY KEY,
                token      text NOT NULL,
                holder     text NOT NULL,
                expires_at timestamptz NOT NULL
            )""",
            """
            CREATE TABLE certpilot_challenge (
                key        text PRIMARY KEY,
                value      text NOT NULL,
                expires_at timestamptz NOT NULL
            )"""),
            // version 2: the listing gives what scheduling needs without reading certificates
            List.of("ALTER TABLE certpilot_certificate ADD COLUMN not_before timestamptz"));

    private Schema() {
    }

    /** The version this code writes. */
    static int current() {
        return MIGRATIONS.size();
    }

    /**
     * Migrates the database {@code connection} reaches to {@link #current()}.
     *
     * @throws SQLException          if the database fails
     * @throws IllegalStateException if the database is at a newer version than this code knows
     */
    static void migrate(Connection connection) throws SQLException {
        var autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (var statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            statement.execute("CREATE TABLE IF NOT EXISTS certpilot_schema (version integer NOT NULL)");
            int version;
            try (var result = statement.executeQuery("SELECT coalesce(max(version), 0) FROM certpilot_schema")) {
                result.next();
                version = result.getInt(1);
            }
            if (version > current()) {
                throw new IllegalStateException("The database's certpilot tables are at version " + version + ", newer "
                        + "than this certpilot-jdbc knows (" + current() + "): upgrade certpilot on this instance");
            }
            for (int next = version + 1; next <= current(); next++) {
                for (var sql : MIGRATIONS.get(next - 1)) {
                    statement.execute(sql);
                }
                statement.execute("INSERT INTO certpilot_schema (version) VALUES (" + next + ")");
                LOG.info("Migrated the certpilot tables to version {}", next);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
