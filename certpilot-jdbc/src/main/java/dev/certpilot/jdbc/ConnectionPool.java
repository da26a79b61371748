package dev.certpilot.jdbc;

import java.util.concurrent.TimeUnit;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The pool a store built from a JDBC URL opens for itself: HikariCP, small (the store makes a few calls a second at
 * most), every connection bounded in time, and started without a connection so that a database down at start is no
 * error. PostgreSQL's connections come from its driver's data source, with its own timeouts; MariaDB's and MySQL's
 * from whichever driver on the class path takes the URL. Stateless.
 */
final class ConnectionPool {

    /** The most connections it opens: orders, polls, the change listener. */
    static final int SIZE = 6;

    private ConnectionPool() {
    }

    /**
     * Opens the pool for {@code jdbcUrl}.
     *
     * @param described the URL without its password, for messages
     * @throws IllegalArgumentException if no driver on the class path takes the URL
     */
    static HikariDataSource open(String jdbcUrl, String user, String password, String described) {
        var pool = new HikariConfig();
        if (jdbcUrl.startsWith("jdbc:postgresql://")) {
            var source = new PGSimpleDataSource();
            source.setURL(jdbcUrl);
            if (user != null) {
                source.setUser(user);
            }
            if (password != null) {
                source.setPassword(password);
            }
            source.setConnectTimeout(10);
            source.setLoginTimeout(10);
            source.setSocketTimeout(Database.QUERY_TIMEOUT_SECONDS + 5);
            source.setTcpKeepAlive(true);
            source.setApplicationName("certpilot");
            pool.setDataSource(source);
        } else {
            pool.setJdbcUrl(jdbcUrl);
            pool.setUsername(user);
            pool.setPassword(password);
            // MariaDB's and MySQL's drivers both take these, in milliseconds
            pool.addDataSourceProperty("connectTimeout", "10000");
            pool.addDataSourceProperty("socketTimeout", String.valueOf((Database.QUERY_TIMEOUT_SECONDS + 5) * 1000));
        }
        pool.setPoolName("certpilot-store");
        pool.setMaximumPoolSize(SIZE);
        pool.setMinimumIdle(1);
        // how long a call waits for a connection: a database that is down fails calls after this, not at once
        pool.setConnectionTimeout(TimeUnit.SECONDS.toMillis(3));
        pool.setIdleTimeout(TimeUnit.MINUTES.toMillis(1));
        pool.setInitializationFailTimeout(-1); // a database down at start: bootstrap certificates until it answers
        try {
            return new HikariDataSource(pool);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("No JDBC driver for " + described + " on the class path: add "
                    + (jdbcUrl.startsWith("jdbc:mysql:") ? "com.mysql:mysql-connector-j" : "org.mariadb.jdbc:"
                    + "mariadb-java-client") + " to the application's dependencies", e);
        }
    }
}
