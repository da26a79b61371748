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
 * The JDBC store's way to its database: a connection per unit of work, the database's {@link Dialect} found and the
 * tables migrated before the first, every statement bounded in time and its tables qualified by the configured
 * schema, and failures translated into {@link IOException}s that say what failed and where. Thread-safe.
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
    private volatile Dialect dialect;

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

    /**
     * A statement for {@code sql} that reports the {@code id} it generated, as {@link #prepare} makes them.
     */
    PreparedStatement prepareReturningId(Connection connection, String sql) throws SQLException {
        var statement = connection.prepareStatement(sql(sql, dialect()), new String[] {"id"});
        statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        return statement;
    }

    /** A statement for {@code sql}, its tables in the configured schema, bounded to the query timeout. */
    PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        var statement = connection.prepareStatement(sql(sql, dialect()));
        statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        return statement;
    }

    private void migrate(Connection connection) throws SQLException {
        if (dialect != null) {
            return;
        }
        synchronized (migration) {
            if (dialect == null) {
                var found = Dialect.of(connection);
                Schema.migrate(connection, sql -> sql(sql, found), found);
                dialect = found;
            }
        }
    }

    /**
     * The database's dialect, known once a first {@link #call} connected.
     *
     * @throws IllegalStateException before that
     */
    Dialect dialect() {
        var known = dialect;
        if (known == null) {
            throw new IllegalStateException("The dialect is known once the database was reached");
        }
        return known;
    }

    /**
     * {@code sql} with its tables and sequences in the configured schema, if one is configured, and its quoted
     * identifiers quoted as the database quotes them.
     */
    private String sql(String sql, Dialect dialect) {
        var qualified = schemaPrefix == null ? sql : TABLE.matcher(sql).replaceAll(schemaPrefix);
        return dialect.quote() == '"' ? qualified : qualified.replace('"', dialect.quote());
    }

    /** A connection that failed, or one a server shutting down (SQL state 57P01 to 57P03) cut. */
    private static boolean unreachable(SQLException e) {
        var state = e.getSQLState();
        return e instanceof SQLTransientConnectionException || state != null && (state.startsWith("08")
                || state.startsWith("57P0"));
    }
}
