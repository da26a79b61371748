package dev.certpilot.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tables and their versions. {@link #migrate} brings a database to the newest version, one
 * transaction per run, serialized across every node by a transaction-level advisory lock, so that instances starting
 * at once migrate once. It first checks that the tables the store's statements reach belong to the user it connects
 * as (or a role that user is a member of): with {@code CREATE TABLE IF NOT EXISTS} alone, tables another role created
 * first (PostgreSQL before 15 lets any role create in {@code public}) would be adopted, and their owner could read
 * every key. Stateless.
 */
final class Schema {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    /** Every relation the store uses, as its statements name them. */
    private static final List<String> RELATIONS = List.of("certpilot_schema", "certpilot_certificate",
            "certpilot_revision", "certpilot_corrupt", "certpilot_account_key", "certpilot_lease",
            "certpilot_challenge", "certpilot_feed", "certpilot_deleted");

    /** PostgreSQL's: version {@code i + 1} is element {@code i}; append, never edit. */
    static final List<List<String>> POSTGRESQL = List.of(List.of(
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
            List.of("ALTER TABLE certpilot_certificate ADD COLUMN not_before timestamptz"),
            // version 3: the change feed (JdbcChangeFeed), starting where the revision sequence is; index names
            // are not qualified by a schema (an index lives in its table's), hence not certpilot_...
            List.of("""
                    CREATE TABLE certpilot_feed (
                        id       integer PRIMARY KEY,
                        position bigint NOT NULL,
                        floor    bigint NOT NULL
                    )""",
                    "INSERT INTO certpilot_feed (id, position, floor) SELECT 1, last_value, last_value FROM "
                            + "certpilot_revision",
                    """
                    CREATE TABLE certpilot_deleted (
                        name       text PRIMARY KEY,
                        position   bigint NOT NULL,
                        deleted_at timestamptz NOT NULL
                    )""",
                    "CREATE INDEX certpilotidx_deleted_position ON certpilot_deleted (position)",
                    "CREATE INDEX certpilotidx_certificate_revision ON certpilot_certificate (revision)"));

    /**
     * MariaDB's (and MySQL's), from PostgreSQL's version 3 at once: names compared byte for byte as PostgreSQL does,
     * times in UTC, keys of at most 255 characters (a challenge's 1024 ASCII ones); append, never edit. MariaDB
     * commits each DDL statement by itself, so {@code GET_LOCK} alone keeps instances from migrating together.
     */
    static final List<List<String>> MARIADB = List.of(List.of(
            """
            CREATE TABLE certpilot_certificate (
                name        VARCHAR(255) NOT NULL PRIMARY KEY,
                domains     TEXT NOT NULL,
                serial      VARCHAR(64) NOT NULL,
                not_before  DATETIME(6) NULL,
                not_after   DATETIME(6) NOT NULL,
                chain_pem   MEDIUMTEXT NOT NULL,
                private_key TEXT NOT NULL,
                revision    BIGINT NOT NULL,
                updated_at  DATETIME(6) NOT NULL,
                INDEX certpilotidx_certificate_revision (revision)
            ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""",
            """
            CREATE TABLE certpilot_corrupt (
                id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                name        VARCHAR(255) NOT NULL,
                reason      TEXT NOT NULL,
                moved_at    DATETIME(6) NOT NULL,
                domains     TEXT,
                serial      VARCHAR(64),
                chain_pem   MEDIUMTEXT,
                private_key TEXT
            ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""",
            """
            CREATE TABLE certpilot_account_key (
                id         VARCHAR(255) NOT NULL PRIMARY KEY,
                key_pair   TEXT NOT NULL,
                updated_at DATETIME(6) NOT NULL
            ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""",
            """
            CREATE TABLE certpilot_lease (
                name       VARCHAR(255) NOT NULL PRIMARY KEY,
                token      VARCHAR(64) NOT NULL,
                holder     VARCHAR(255) NOT NULL,
                expires_at DATETIME(6) NOT NULL
            ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""",
            """
            CREATE TABLE certpilot_challenge (
                "key"      VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
                value      TEXT NOT NULL,
                expires_at DATETIME(6) NOT NULL
            ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin""",
            """
            CREATE TABLE certpilot_feed (
                id       INT NOT NULL PRIMARY KEY,
                position BIGINT NOT NULL,
                floor    BIGINT NOT NULL
            )""",
            "INSERT INTO certpilot_feed (id, position, floor) VALUES (1, 0, 0)",
            """
            CREATE TABLE certpilot_deleted (
                name       VARCHAR(255) NOT NULL PRIMARY KEY,
                position   BIGINT NOT NULL,
                deleted_at DATETIME(6) NOT NULL,
                INDEX certpilotidx_deleted_position (position)
            ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin"""));

    private Schema() {
    }

    /** The version this code writes on {@code dialect}'s databases. */
    static int current(Dialect dialect) {
        return dialect.migrations().size();
    }

    /**
     * Migrates the database {@code connection} reaches to {@link #current}.
     *
     * @param sql     what the store makes of a statement (its tables qualified by the configured schema)
     * @param dialect the database's
     * @throws SQLException          if the database fails
     * @throws IllegalStateException if the database is at a newer version than this code knows, or a table belongs
     *                               to another role
     */
    static void migrate(Connection connection, UnaryOperator<String> sql, Dialect dialect) throws SQLException {
        var autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (var statement = connection.createStatement()) {
            dialect.lockMigrations(statement);
            try {
                migrate(connection, statement, sql, dialect);
            } finally {
                dialect.unlockMigrations(statement);
            }
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static void migrate(Connection connection, Statement statement, UnaryOperator<String> sql,
                                Dialect dialect) throws SQLException {
        var migrations = dialect.migrations();
        if (dialect == Dialect.POSTGRESQL) {
            checkOwners(connection, sql);
        }
        statement.execute(sql.apply("CREATE TABLE IF NOT EXISTS certpilot_schema (version integer NOT NULL)"));
        int version;
        try (var result = statement.executeQuery(sql.apply("SELECT coalesce(max(version), 0) FROM "
                + "certpilot_schema"))) {
            result.next();
            version = result.getInt(1);
        }
        if (version > migrations.size()) {
            throw new IllegalStateException("The database's certpilot tables are at version " + version + ", newer "
                    + "than this certpilot-jdbc knows (" + migrations.size() + "): upgrade certpilot on this "
                    + "instance");
        }
        for (int next = version + 1; next <= migrations.size(); next++) {
            for (var step : migrations.get(next - 1)) {
                statement.execute(sql.apply(step));
            }
            statement.execute(sql.apply("INSERT INTO certpilot_schema (version) VALUES (" + next + ")"));
            LOG.info("Migrated the certpilot tables to version {}", next);
        }
        connection.commit();
    }

    /**
     * Refuses relations the store's statements would reach that belong to a role the connecting user is not a member
     * of, naming each and the fix.
     */
    private static void checkOwners(Connection connection, UnaryOperator<String> sql) throws SQLException {
        try (var owner = connection.prepareStatement("SELECT pg_get_userbyid(c.relowner), current_user, "
                + "pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c WHERE c.oid = to_regclass(?)")) {
            for (var relation : RELATIONS) {
                var qualified = sql.apply(relation);
                owner.setString(1, qualified);
                try (var row = owner.executeQuery()) {
                    if (row.next() && !row.getBoolean(3)) {
                        throw new IllegalStateException("The table " + qualified + " belongs to the role "
                                + row.getString(1) + ", not to " + row.getString(2) + " (the user certpilot connects "
                                + "as) nor a role it is a member of: its owner could read and replace every key stored "
                                + "there, so certpilot does not use it. If you did not create it, drop it; else change "
                                + "its owner (ALTER TABLE ... OWNER TO " + row.getString(2) + "), or give certpilot a "
                                + "schema of its own (JdbcCertificateStore.Builder.schema)");
                    }
                }
            }
        }
    }
}
