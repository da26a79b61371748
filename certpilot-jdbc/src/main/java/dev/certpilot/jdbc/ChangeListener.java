package dev.certpilot.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on PostgreSQL's {@value JdbcChangeFeed#CHANNEL} channel on a connection of its own, on a daemon thread, and
 * runs the callback at each notification the store's writers send on commit. A dropped connection is reconnected
 * after a back-off (1 s, doubling to 30 s), logged once while it lasts; a database that is not PostgreSQL is not
 * listened to. Thread-safe; {@link #close()} stops it.
 */
final class ChangeListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");
    private static final int WAIT_MILLIS = 1_000;
    private static final Duration MOST_BACKOFF = Duration.ofSeconds(30);

    private final DataSource dataSource;
    private final String description;
    private final Runnable onChange;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Connection connection;

    ChangeListener(DataSource dataSource, String description, Runnable onChange) {
        this.dataSource = dataSource;
        this.description = description;
        this.onChange = onChange;
        this.thread = new Thread(this::run, "certpilot-store-listener");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        var backoff = Duration.ofSeconds(1);
        var failing = false;
        while (!closed) {
            try (var listening = dataSource.getConnection()) {
                connection = listening;
                PGConnection postgres;
                try {
                    postgres = listening.unwrap(PGConnection.class);
                } catch (SQLException notPostgres) {
                    LOG.debug("{} is not PostgreSQL: changes are found by polling alone", description);
                    return;
                }
                try (var listen = listening.createStatement()) {
                    listen.execute("LISTEN " + JdbcChangeFeed.CHANNEL);
                }
                if (failing) {
                    LOG.info("Listening to {} for changes by other instances again", description);
                    failing = false;
                }
                onChange.run(); // what was written while not listening
                backoff = Duration.ofSeconds(1);
                while (!closed) {
                    var notifications = postgres.getNotifications(WAIT_MILLIS);
                    if (notifications != null && notifications.length > 0) {
                        onChange.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!failing) {
                    LOG.warn("Lost the connection that listens to {} for changes by other instances ({}); polling "
                            + "meanwhile, reconnecting", description, e.getMessage());
                    failing = true;
                }
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MOST_BACKOFF) > 0 ? MOST_BACKOFF : backoff.multipliedBy(2);
            } finally {
                connection = null;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        var open = connection;
        if (open != null) {
            try {
                open.close(); // ends a wait for notifications at once
            } catch (SQLException e) {
                LOG.debug("Closing the listening connection: {}", e.toString());
            }
        }
    }
}
