package dev.certpilot.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What differs between the databases the JDBC store runs on: PostgreSQL, and MariaDB (whose SQL MySQL 8 also
 * speaks). The store's statements are written once, with identifiers quoted by {@code "..."}, and take from here the
 * database's clock, its upsert, its time type and its migrations. MariaDB's clock is {@code UTC_TIMESTAMP(6)} and
 * its times are {@code DATETIME(6)} in UTC, so neither the server's nor the session's time zone matters. Stateless.
 */
enum Dialect {

    /** PostgreSQL: {@code ON CONFLICT}, {@code timestamptz}, advisory locks, {@code NOTIFY}. */
    POSTGRESQL {
        @Override
        String now() {
            return "now()";
        }

        @Override
        String nowPlusMillis() {
            return "now() + ? * interval '1 millisecond'";
        }

        @Override
        String daysAgo(int days) {
            return "now() - interval '" + days + " days'";
        }

        @Override
        String upsert(String table, String key, List<String> columns, String values, List<String> updated) {
            return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + values + ") ON CONFLICT ("
                    + key + ") DO UPDATE SET " + updated.stream().map(column -> column + " = EXCLUDED." + column)
                    .collect(Collectors.joining(", "));
        }

        @Override
        String takeLease() {
            return "INSERT INTO certpilot_lease (name, token, holder, expires_at) VALUES (?, ?, ?, " + nowPlusMillis()
                    + ") ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token, holder = EXCLUDED.holder, "
                    + "expires_at = EXCLUDED.expires_at WHERE certpilot_lease.expires_at <= now()";
        }

        @Override
        void set(PreparedStatement statement, int index, Instant instant) throws SQLException {
            statement.setTimestamp(index, instant == null ? null : Timestamp.from(instant));
        }

        @Override
        Instant instant(ResultSet row, int column) throws SQLException {
            var timestamp = row.getTimestamp(column);
            return timestamp == null ? null : timestamp.toInstant();
        }

        @Override
        char quote() {
            return '"';
        }

        @Override
        void lockMigrations(Statement statement) throws SQLException {
            statement.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")"); // released at the commit
        }

        @Override
        void unlockMigrations(Statement statement) {
        }

        @Override
        List<List<String>> migrations() {
            return Schema.POSTGRESQL;
        }
    },

    /**
     * MariaDB, and MySQL 8: {@code ON DUPLICATE KEY UPDATE}, {@code DATETIME(6)} in UTC, {@code GET_LOCK}; no
     * {@code RETURNING}, sequences or notifications are needed.
     */
    MARIADB {
        @Override
        String now() {
            return "UTC_TIMESTAMP(6)";
        }

        @Override
        String nowPlusMillis() {
            return "TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(6))";
        }

        @Override
        String daysAgo(int days) {
            return "TIMESTAMPADD(DAY, -" + days + ", UTC_TIMESTAMP(6))";
        }

        @Override
        String upsert(String table, String key, List<String> columns, String values, List<String> updated) {
            return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + values + ") ON DUPLICATE "
                    + "KEY UPDATE " + updated.stream().map(column -> column + " = VALUES(" + column + ")")
                    .collect(Collectors.joining(", "));
        }

        @Override
        String takeLease() {
            // assignments run left to right: the token changes only if the lease had ended, the rest follows it
            return "INSERT INTO certpilot_lease (name, token, holder, expires_at) VALUES (?, ?, ?, " + nowPlusMillis()
                    + ") ON DUPLICATE KEY UPDATE token = IF(expires_at <= UTC_TIMESTAMP(6), VALUES(token), token), "
                    + "holder = IF(token = VALUES(token), VALUES(holder), holder), "
                    + "expires_at = IF(token = VALUES(token), VALUES(expires_at), expires_at)";
        }

        @Override
        void set(PreparedStatement statement, int index, Instant instant) throws SQLException {
            statement.setObject(index, instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
        }

        @Override
        Instant instant(ResultSet row, int column) throws SQLException {
            var time = row.getObject(column, LocalDateTime.class);
            return time == null ? null : time.toInstant(ZoneOffset.UTC);
        }

        @Override
        char quote() {
            return '`';
        }

        @Override
        void lockMigrations(Statement statement) throws SQLException {
            try (var locked = statement.executeQuery("SELECT GET_LOCK('certpilot_migration', 60)")) {
                if (!locked.next() || locked.getInt(1) != 1) {
                    throw new SQLException("Another instance has been migrating the certpilot tables for 60 s");
                }
            }
        }

        @Override
        void unlockMigrations(Statement statement) throws SQLException {
            statement.execute("SELECT RELEASE_LOCK('certpilot_migration')");
        }

        @Override
        List<List<String>> migrations() {
            return Schema.MARIADB;
        }
    };

    /** The advisory lock key of PostgreSQL migrations: "certpilot" in ASCII, as a number. */
    private static final long MIGRATION_LOCK = 0x6365727470696c6fL;

    /**
     * The dialect of the database {@code connection} reaches.
     *
     * @throws SQLException if it is neither PostgreSQL nor MariaDB or MySQL
     */
    static Dialect of(Connection connection) throws SQLException {
        var product = connection.getMetaData().getDatabaseProductName();
        if ("PostgreSQL".equalsIgnoreCase(product)) {
            return POSTGRESQL;
        }
        if ("MariaDB".equalsIgnoreCase(product) || "MySQL".equalsIgnoreCase(product)) {
            return MARIADB;
        }
        throw new SQLException("certpilot-jdbc keeps certificates in PostgreSQL, MariaDB or MySQL; this database is "
                + product);
    }

    /** The database's clock now. */
    abstract String now();

    /** The database's clock plus a parameter's milliseconds. */
    abstract String nowPlusMillis();

    /** The database's clock {@code days} days ago. */
    abstract String daysAgo(int days);

    /**
     * {@code INSERT INTO table (columns) VALUES (values)}, setting {@code updated} to the new values instead when a row
     * with the same {@code key} exists.
     */
    abstract String upsert(String table, String key, List<String> columns, String values, List<String> updated);

    /**
     * Takes a lease's row (parameters: name, token, holder, milliseconds) unless another holder's has not ended; the
     * caller then reads the row by name and token to know.
     */
    abstract String takeLease();

    /** Sets a time parameter. */
    abstract void set(PreparedStatement statement, int index, Instant instant) throws SQLException;

    /** Reads a time column; null for SQL NULL. */
    abstract Instant instant(ResultSet row, int column) throws SQLException;

    /** The character that quotes identifiers. */
    abstract char quote();

    /** Serializes migrations across every instance; {@link #unlockMigrations} ends it unless the commit does. */
    abstract void lockMigrations(Statement statement) throws SQLException;

    abstract void unlockMigrations(Statement statement) throws SQLException;

    /** The migrations: version {@code i + 1} is element {@code i}. */
    abstract List<List<String>> migrations();
}
