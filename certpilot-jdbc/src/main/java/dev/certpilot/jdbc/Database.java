package dev.certpilot.jdbc;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * The JDBC store's way to its database: a connection per unit of work, the tables migrated before the first, every
 * statement bounded in time and its tables qualified by the configured schema, and failures translated into
 * {@link IOException}s that say what failed and where. Thread-safe.
 */
final class Database {

    /** How long one statement may run. */
    static final int QUERY_TIMEOUT_SECONDS = 30;

    /** A table or sequence of the store in a statement: named certpilot_..., not already qualified. */
    private static final Pattern TABLE = Pattern.compile("(?<![\\w.\"])certpilot_(\\w+)");

    /** A unit of work on one connection. */
    interface Work<T> {
        T run(Connection connection) throws SQLException, IOException;
    }

    private final DataSource dataSource;
    private final String description;
    /** The replacement that qualifies a table name with the configured schema, or null for the connection's. */
    private final String schemaPrefix;
    private final Object migration = new Object();
    private volatile boolean migrated;

    /**
     * @param description the database, for messages (no password)
     * @param schema      the schema of the tables, or null for the connection's search path
     */
    Database(DataSource dataSource, String description, String schema) {
        this.dataSource = dataSource;
        this.description = description;
        this.schemaPrefix = schema == null ? null
                : Matcher.quoteReplacement("\"" + schema.replace("\"", "\"\"") + "\".") + "certpilot_$1";
    }

    /** Runs {@code work} on a borrowed connection, after the schema is migrated, translating failures. */
    <T> T call(String what, Work<T> work) throws IOException {
        try (var connection = dataSource.getConnection()) {
            migrate(connection);
            return work.run(connection);
        } catch (SQLException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("Interrupted while trying to " + what + " in " + description);
            }
            throw new IOException("Cannot " + what + " in " + description + ": " + e.getMessage()
                    + (e.getSQLState() != null ? " (SQL state " + e.getSQLState() + ")" : "")
                    + (unreachable(e) ? "; is the database running and reachable?" : ""), e);
        }
    }

    /** A statement for {@code sql}, its tables in the configured schema, bounded to the query timeout. */
    PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        var statement = connection.prepareStatement(sql(sql));
        statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        return statement;
    }

    private void migrate(Connection connection) throws SQLException {
        if (migrated) {
            return;
        }
        synchronized (migration) {
            if (!migrated) {
                Schema.migrate(connection, this::sql);
                migrated = true;
            }
        }
    }

    /** {@code sql} with its tables and sequences in the configured schema, if one is configured. */
    private String sql(String sql) {
        return schemaPrefix == null ? sql : TABLE.matcher(sql).replaceAll(schemaPrefix);
    }

    private static boolean unreachable(SQLException e) {
        return e instanceof SQLTransientConnectionException || e.getSQLState() != null
                && e.getSQLState().startsWith("08");
    }
}
