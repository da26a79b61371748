package dev.certpilot.jdbc;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.LeaseLostException;

/**
 * A lease row the JDBC store took: renewed and released by its token, its expiry judged by the database's clock.
 * Thread-safe.
 */
final class JdbcLease implements Lease {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final Database database;
    private final String name;
    private final String token;
    private final Duration duration;
    private volatile Instant expiresAt;
    private volatile boolean closed;

    JdbcLease(Database database, String name, String token, Duration duration, Instant expiresAt) {
        this.database = database;
        this.name = name;
        this.token = token;
        this.duration = duration;
        this.expiresAt = expiresAt;
    }

    /** Whether this lease was taken in {@code database}. */
    boolean of(Database database) {
        return this.database == database;
    }

    /** What proves this holder's claim in the lease's row. */
    String token() {
        return token;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public void renew() throws IOException {
        if (closed) {
            throw new LeaseLostException("The lease of certificate " + name + " was closed");
        }
        expiresAt = database.call("renew the lease of certificate " + name, connection -> {
            var dialect = database.dialect();
            try (var update = database.prepare(connection, "UPDATE certpilot_lease SET expires_at = "
                    + dialect.nowPlusMillis() + " WHERE name = ? AND token = ? AND expires_at > " + dialect.now());
                 var select = database.prepare(connection, "SELECT expires_at FROM certpilot_lease WHERE name = ? "
                         + "AND token = ?")) {
                update.setLong(1, duration.toMillis());
                update.setString(2, name);
                update.setString(3, token);
                if (update.executeUpdate() != 1) {
                    throw new LeaseLostException("The lease of certificate " + name + " ended at " + expiresAt
                            + " by the database's clock, or another instance took it");
                }
                select.setString(1, name);
                select.setString(2, token);
                try (var row = select.executeQuery()) {
                    if (!row.next()) {
                        throw new LeaseLostException("The lease of certificate " + name + " was taken by another "
                                + "instance as it was renewed");
                    }
                    return dialect.instant(row, 1);
                }
            }
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            database.call("release the lease of certificate " + name, connection -> {
                try (var delete = database.prepare(connection,
                        "DELETE FROM certpilot_lease WHERE name = ? AND token = ?")) {
                    delete.setString(1, name);
                    delete.setString(2, token);
                    delete.executeUpdate();
                }
                return null;
            });
        } catch (IOException e) {
            LOG.warn("Could not release the lease of certificate {} ({}); it ends at {}", name, e.getMessage(),
                    expiresAt);
        }
    }

    @Override
    public String toString() {
        return "JdbcLease[" + name + " until " + expiresAt + "]";
    }
}
