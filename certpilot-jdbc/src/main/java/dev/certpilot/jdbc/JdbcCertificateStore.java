package dev.certpilot.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.crypto.SecretKey;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.ChangeSignals;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.LeaseLostException;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Keeps certificates, account keys, challenge answers and leases in PostgreSQL, MariaDB or MySQL, for instances of
 * an application that share one database: a cluster behind a load balancer needs no shared disk.
 *
 * <pre>{@code
 * var store = JdbcCertificateStore.builder(dataSource)         // a pool, such as HikariCP
 *         .encryptPrivateKeys(applicationKey)                  // optional: AES, from a secret manager
 *         .build();
 * CertificateManager.builder().store(store)...
 * }</pre>
 *
 * <ul>
 *   <li><b>Tables</b> named {@code certpilot_*}, created and migrated on first use, versioned in
 *       {@code certpilot_schema}; instances starting at once migrate once (a transaction-level advisory lock).</li>
 *   <li><b>Leases</b> are rows with an expiry judged by the database's clock, so skew between the instances'
 *       clocks does not matter. A save or delete checks the lease in the transaction that writes, locking its row.
 *       No transaction stays open longer than one statement or one write, never across an ACME order.</li>
 *   <li><b>Atomic:</b> a certificate is one row, replaced in one transaction.</li>
 *   <li><b>Unreadable rows</b> move to {@code certpilot_corrupt}. A key encrypted with another key than the one
 *       configured is an error to fix, not a corruption: nothing is moved.</li>
 *   <li><b>Timeouts:</b> every statement gives up after 30 seconds; the data source bounds connecting.</li>
 * </ul>
 *
 * <p>Thread-safe; the data source pools connections (each call borrows one and returns it).
 */
public final class JdbcCertificateStore implements CertificateStore, ChangeFeed, ChangeSignals, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final Database database;
    private final JdbcChangeFeed feed;
    private final String description;
    private final DataSource dataSource;
    private final boolean ownsPool;
    private final KeyEncryption encryption;
    private volatile String holder;

    private JdbcCertificateStore(Builder builder) {
        this.database = new Database(builder.dataSource, builder.description, builder.schema);
        this.feed = new JdbcChangeFeed(database);
        this.description = builder.description;
        this.dataSource = builder.dataSource;
        this.ownsPool = builder.ownsPool;
        this.encryption = new KeyEncryption(builder.key, builder.migratePlaintextKeys);
    }

    /**
     * A store in the database {@code dataSource} connects to; give it a pool in production.
     *
     * @param dataSource the database, preferably pooled
     * @return a new builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"), dataSource.toString());
    }

    /**
     * A store in the PostgreSQL, MariaDB or MySQL database at {@code jdbcUrl} ({@code
     * jdbc:postgresql://host:port/database}, {@code jdbc:mariadb://...}, {@code jdbc:mysql://...}), with a pool of its
     * own (HikariCP, at most {@value ConnectionPool#SIZE} connections; a call waits at most 3 seconds for one, so a
     * database that is down fails calls within that), which {@link #close()} closes. The pool starts without a connection, so a database that is down at start is no
     * error. User and password may be in the URL's parameters instead; null leaves them to it. PostgreSQL's driver
     * comes with this module; MariaDB's ({@code org.mariadb.jdbc:mariadb-java-client}) or MySQL's is the
     * application's to add.
     *
     * @param jdbcUrl the database's JDBC URL
     * @param user the user, or null
     * @param password the password, or null
     * @return a new builder
     * @throws IllegalArgumentException if the URL is not one of these databases', or its driver is missing
     */
    public static Builder builder(String jdbcUrl, String user, String password) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql://") && !jdbcUrl.startsWith("jdbc:mariadb://")
                && !jdbcUrl.startsWith("jdbc:mysql://")) {
            throw new IllegalArgumentException("The storage URL must be a JDBC URL of PostgreSQL, MariaDB or MySQL, "
                    + "such as jdbc:postgresql://db.internal:5432/myapp or jdbc:mariadb://db.internal:3306/myapp, got '"
                    + masked(jdbcUrl) + "'");
        }
        var dataSource = ConnectionPool.open(jdbcUrl, user, password, masked(jdbcUrl));
        var builder = new Builder(dataSource, masked(jdbcUrl));
        builder.ownsPool = true;
        return builder;
    }

    /**
     * Closes the pool of a store built from a JDBC URL; a store given a {@code DataSource} leaves it to its owner.
     * Close it after the managers that use it.
     */
    @Override
    public void close() {
        if (ownsPool && dataSource instanceof HikariDataSource pool) {
            pool.close();
        }
    }

    /** {@code jdbcUrl} without its password, whether a parameter or in {@code user:password@host}; for messages. */
    static String masked(String jdbcUrl) {
        return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***")
                .replaceAll("(//[^/@:]*:)[^/@]*@", "$1***@");
    }

    @Override
    public Optional<CertificateBundle> load(String name) throws IOException {
        return database.call("load certificate " + name, connection -> {
            try (var select = database.prepare(connection, "SELECT domains, chain_pem, private_key, revision "
                    + "FROM certpilot_certificate WHERE name = ?")) {
                select.setString(1, name);
                try (var row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    var domains = row.getString(1);
                    var chainPem = row.getString(2);
                    var stored = row.getString(3);
                    var revision = row.getLong(4);
                    String keyPem;
                    try {
                        keyPem = encryption.open(stored, "certificate " + name);
                    } catch (KeyEncryption.PlaintextKeyException e) {
                        var id = moveAside(connection, name, revision, e.getMessage());
                        LOG.error("Certificate {}: {}; moved it to certpilot_corrupt id {}", name, e.getMessage(), id);
                        throw new CorruptedEntryException("Refused certificate " + name + " in " + description + ": "
                                + e.getMessage(), "certpilot_corrupt id " + id, e);
                    } // a key that does not decrypt is a configuration mistake: thrown as it is, nothing moved
                    CertificateBundle bundle;
                    try {
                        bundle = new CertificateBundle(name, Arrays.asList(domains.split("\n")),
                                Pem.readCertificates(chainPem), Pem.readPrivateKey(keyPem));
                    } catch (IOException | RuntimeException e) {
                        var id = moveAside(connection, name, revision, e.getMessage());
                        LOG.error("Certificate {} is unreadable ({}); moved it to certpilot_corrupt id {}", name,
                                e.getMessage(), id);
                        throw new CorruptedEntryException("Unreadable certificate " + name + " in " + description
                                + ": " + e.getMessage(), "certpilot_corrupt id " + id, e);
                    }
                    if (encryption.needsSealing(stored)) { // read under migratePlaintextKeys
                        seal(connection, "certpilot_certificate", "private_key", "name", name, stored,
                                encryption.seal(keyPem, "certificate " + name));
                    }
                    return Optional.of(bundle);
                }
            }
        });
    }

    @Override
    public void save(CertificateBundle bundle, Lease lease) throws IOException {
        if (!bundle.keyMatches()) {
            throw new IllegalArgumentException("The private key of certificate " + bundle.name() + " does not belong "
                    + "to its certificate (serial " + SerialNumbers.hex(bundle.serialNumber()) + "); not stored");
        }
        var key = encryption.seal(Pem.privateKey(bundle.privateKey()), "certificate " + bundle.name());
        var chain = Pem.certificates(bundle.chain());
        inTransaction("save certificate " + bundle.name(), bundle.name(), lease, connection -> {
            var dialect = database.dialect();
            try (var upsert = database.prepare(connection, dialect.upsert("certpilot_certificate", "name",
                    List.of("name", "domains", "serial", "not_before", "not_after", "chain_pem", "private_key",
                            "revision", "updated_at"), "?, ?, ?, ?, ?, ?, ?, ?, " + dialect.now(),
                    List.of("domains", "serial", "not_before", "not_after", "chain_pem", "private_key", "revision",
                            "updated_at")))) {
                upsert.setString(1, bundle.name());
                upsert.setString(2, String.join("\n", bundle.domains()));
                upsert.setString(3, bundle.serialNumber().toString(16));
                dialect.set(upsert, 4, bundle.notBefore());
                dialect.set(upsert, 5, bundle.notAfter());
                upsert.setString(6, chain);
                upsert.setString(7, key);
                upsert.setLong(8, feed.next(connection));
                upsert.executeUpdate();
            }
            feed.saved(connection, bundle.name());
            return null;
        });
    }

    @Override
    public boolean delete(String name, Lease lease) throws IOException {
        return inTransaction("delete certificate " + name, name, lease, connection -> {
            try (var delete = database.prepare(connection, "DELETE FROM certpilot_certificate WHERE name = ?")) {
                delete.setString(1, name);
                var deleted = delete.executeUpdate() > 0;
                if (deleted) {
                    feed.deleted(connection, name, feed.next(connection));
                }
                return deleted;
            }
        });
    }

    @Override
    public List<StoredCertificate> list() throws IOException {
        return database.call("list certificates", connection -> {
            var result = new ArrayList<StoredCertificate>();
            try (var select = database.prepare(connection, "SELECT name, domains, serial, not_before, not_after, "
                    + "CASE WHEN not_before IS NULL THEN chain_pem END FROM certpilot_certificate");
                 var rows = select.executeQuery()) {
                while (rows.next()) {
                    feed.entry(rows).ifPresent(result::add);
                }
            }
            return result;
        });
    }

    /** The change feed's position: one row read, however many certificates there are. */
    @Override
    public String revision() throws IOException {
        return feed.position();
    }

    /** The change feed's position: the last write committed. */
    @Override
    public String position() throws IOException {
        return feed.position();
    }

    /** Runs {@code onChange} at each write by any instance, notified by PostgreSQL on commit. */
    @Override
    public AutoCloseable onChange(Runnable onChange) {
        return new ChangeListener(dataSource, description, onChange);
    }

    /** The certificates saved and deleted after {@code position}, read by their position. */
    @Override
    public Optional<Changes> changesSince(String position) throws IOException {
        return feed.changesSince(position);
    }

    @Override
    public Optional<Lease> tryLease(String name, Duration duration) throws IOException {
        var token = UUID.randomUUID().toString();
        return database.call("lease certificate " + name, connection -> {
            try (var take = database.prepare(connection, database.dialect().takeLease());
                 var taken = database.prepare(connection, "SELECT expires_at FROM certpilot_lease WHERE name = ? AND "
                         + "token = ?")) {
                take.setString(1, name);
                take.setString(2, token);
                take.setString(3, holder());
                take.setLong(4, duration.toMillis());
                take.executeUpdate();
                taken.setString(1, name);
                taken.setString(2, token); // a new token: the row is this lease's only if it was taken now
                try (var row = taken.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new JdbcLease(database, name, token, duration,
                            database.dialect().instant(row, 1)));
                }
            }
        });
    }

    @Override
    public Optional<KeyPair> loadAccountKey(String accountId) throws IOException {
        var text = database.call("load account key " + accountId, connection -> {
            try (var select = database.prepare(connection, "SELECT key_pair FROM certpilot_account_key WHERE id = ?")) {
                select.setString(1, accountId);
                try (var row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getString(1)) : Optional.<String>empty();
                }
            }
        });
        if (text.isEmpty()) {
            return Optional.empty();
        }
        var pem = encryption.open(text.get(), "account " + accountId);
        KeyPair keyPair;
        try {
            keyPair = Pem.readKeyPair(pem);
        } catch (IOException e) {
            throw new IOException("Unreadable account key " + accountId + " in " + description + ": "
                    + e.getMessage(), e);
        }
        if (encryption.needsSealing(text.get())) {
            var sealed = encryption.seal(pem, "account " + accountId);
            database.call("encrypt account key " + accountId, connection -> {
                seal(connection, "certpilot_account_key", "key_pair", "id", accountId, text.get(), sealed);
                return null;
            });
        }
        return Optional.of(keyPair);
    }

    /**
     * Replaces the plaintext key {@code plaintext} in {@code table}'s row {@code id} with {@code sealed}, unless the
     * row changed since it was read (a save of a new key wins).
     */
    private void seal(Connection connection, String table, String column, String idColumn, String id,
                      String plaintext, String sealed) throws SQLException {
        try (var update = database.prepare(connection, "UPDATE " + table + " SET " + column + " = ? WHERE " + idColumn
                + " = ? AND " + column + " = ?")) {
            update.setString(1, sealed);
            update.setString(2, id);
            update.setString(3, plaintext);
            if (update.executeUpdate() == 1) {
                LOG.info("Encrypted the private key of {} {} in place (stored in plaintext before encryption was "
                        + "turned on)", table.equals("certpilot_certificate") ? "certificate" : "account", id);
            }
        }
    }

    @Override
    public void saveAccountKey(String accountId, KeyPair keyPair) throws IOException {
        var sealed = encryption.seal(Pem.keyPair(keyPair), "account " + accountId);
        database.call("save account key " + accountId, connection -> {
            var dialect = database.dialect();
            try (var upsert = database.prepare(connection, dialect.upsert("certpilot_account_key", "id",
                    List.of("id", "key_pair", "updated_at"), "?, ?, " + dialect.now(),
                    List.of("key_pair", "updated_at")))) {
                upsert.setString(1, accountId);
                upsert.setString(2, sealed);
                upsert.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void putChallenge(String key, String value, Duration ttl) throws IOException {
        if (value.length() > 16 * 1024) {
            throw new IllegalArgumentException("A challenge answer is at most 16 KiB; got " + value.length()
                    + " characters");
        }
        database.call("publish a challenge answer", connection -> {
            var dialect = database.dialect();
            try (var sweep = database.prepare(connection, "DELETE FROM certpilot_challenge WHERE expires_at <= "
                    + dialect.now());
                 var upsert = database.prepare(connection, dialect.upsert("certpilot_challenge", "\"key\"",
                         List.of("\"key\"", "value", "expires_at"), "?, ?, " + dialect.nowPlusMillis(),
                         List.of("value", "expires_at")))) {
                sweep.executeUpdate();
                upsert.setString(1, key);
                upsert.setString(2, value);
                upsert.setLong(3, ttl.toMillis());
                upsert.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<String> challenge(String key) throws IOException {
        return database.call("read a challenge answer", connection -> {
            try (var select = database.prepare(connection, "SELECT value FROM certpilot_challenge WHERE \"key\" = ? "
                    + "AND expires_at > " + database.dialect().now())) {
                select.setString(1, key);
                try (var row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void removeChallenge(String key) throws IOException {
        database.call("remove a challenge answer", connection -> {
            try (var delete = database.prepare(connection, "DELETE FROM certpilot_challenge WHERE \"key\" = ?")) {
                delete.setString(1, key);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public String toString() {
        return "JdbcCertificateStore[" + description + "]";
    }

    /** Moves an unreadable row to {@code certpilot_corrupt}, unless it was replaced meanwhile; returns its id there. */
    private long moveAside(Connection connection, String name, long revision, String reason) throws SQLException {
        connection.setAutoCommit(false);
        try (var move = database.prepareReturningId(connection, "INSERT INTO certpilot_corrupt (name, reason, "
                + "moved_at, domains, serial, chain_pem, private_key) SELECT name, ?, " + database.dialect().now()
                + ", domains, serial, chain_pem, private_key FROM certpilot_certificate WHERE name = ? AND "
                + "revision = ?");
             var delete = database.prepare(connection,
                     "DELETE FROM certpilot_certificate WHERE name = ? AND revision = ?")) {
            move.setString(1, reason == null ? "unreadable" : reason);
            move.setString(2, name);
            move.setLong(3, revision);
            long id = -1;
            if (move.executeUpdate() > 0) {
                try (var row = move.getGeneratedKeys()) {
                    if (row.next()) {
                        id = row.getLong(1);
                    }
                }
            }
            delete.setString(1, name);
            delete.setLong(2, revision);
            if (delete.executeUpdate() > 0) {
                feed.deleted(connection, name, feed.next(connection));
            }
            connection.commit();
            return id;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * Runs {@code work} on a connection of its own, in a transaction that first checks and locks {@code lease}'s
     * row: the write happens only while the lease is held.
     */
    private <T> T inTransaction(String what, String name, Lease lease, Database.Work<T> work) throws IOException {
        if (!(lease instanceof JdbcLease mine) || !mine.of(database) || !mine.name().equals(name)) {
            throw new IllegalArgumentException("The lease " + lease + " is not this store's lease of " + name);
        }
        return database.call(what, connection -> {
            connection.setAutoCommit(false);
            try {
                try (var check = database.prepare(connection, "SELECT holder FROM certpilot_lease WHERE name = ? "
                        + "AND token = ? AND expires_at > " + database.dialect().now() + " FOR UPDATE")) {
                    check.setString(1, name);
                    check.setString(2, mine.token());
                    try (var row = check.executeQuery()) {
                        if (!row.next()) {
                            throw new LeaseLostException("The lease of certificate " + name + " taken by this instance "
                                    + "has ended (it expired at " + mine.expiresAt() + " by the database's clock, or "
                                    + "another instance took it); not written");
                        }
                    }
                }
                var result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | IOException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        });
    }

    /** Who holds this store's leases, for operators reading the lease table; looked up at the first lease, not at start. */
    private String holder() {
        var known = holder;
        if (known == null) {
            var pid = ProcessHandle.current().pid();
            try {
                known = InetAddress.getLocalHost().getHostName() + " pid " + pid;
            } catch (IOException e) {
                known = "pid " + pid;
            }
            holder = known;
        }
        return known;
    }

    /**
     * Configures a {@link JdbcCertificateStore}. Not thread-safe; {@link #build()} connects to nothing (the tables are
     * created at first use), so an application starts even while its database is briefly away.
     */
    public static final class Builder {

        private final DataSource dataSource;
        private final String description;
        private boolean ownsPool;
        private SecretKey key;
        private boolean migratePlaintextKeys;
        private String schema;

        private Builder(DataSource dataSource, String description) {
            this.dataSource = dataSource;
            this.description = description;
        }

        /**
         * Encrypts private keys (of certificates and ACME accounts) with {@code key} (AES, 128 or 256 bits) before
         * they reach the database. A key found in plaintext is then refused (a certificate's row is moved aside and
         * the certificate obtained again; an account key's read fails naming the fix): whoever can write to the table
         * could have put in a key they know. Keys stored before encryption was turned on are read with
         * {@link #migratePlaintextKeys()}.
         * It protects keys in backups, replicas, dumps and from whoever reads the tables without the application's
         * key; not from anyone who has that key or the application's memory. Keep the key outside the database
         * (a secret manager): losing it means every certificate is ordered again.
         *
         * @param key an AES key of 128 or 256 bits
         * @return this builder
         * @throws IllegalArgumentException if the key is not a 16- or 32-byte AES key
         */
        public Builder encryptPrivateKeys(SecretKey key) {
            Objects.requireNonNull(key, "key");
            var encoded = key.getEncoded();
            if (!"AES".equalsIgnoreCase(key.getAlgorithm()) || encoded == null
                    || encoded.length != 16 && encoded.length != 32) {
                throw new IllegalArgumentException("encryptPrivateKeys needs an AES key of 128 or 256 bits, such as "
                        + "new SecretKeySpec(32 random bytes, \"AES\"); got " + key.getAlgorithm() + " of "
                        + (encoded == null ? "unknown" : encoded.length * 8) + " bits");
            }
            this.key = key;
            return this;
        }

        /**
         * Keeps the tables in {@code schema}, which must exist (such as one made with
         * {@code CREATE SCHEMA certpilot AUTHORIZATION app_user}), instead of the first schema of the connection's
         * search path. A schema of certpilot's own keeps other roles' tables out of its way.
         *
         * @param schema an existing schema's name
         * @return this builder
         * @throws IllegalArgumentException if the name is blank
         */
        public Builder schema(String schema) {
            Objects.requireNonNull(schema, "schema");
            if (schema.isBlank()) {
                throw new IllegalArgumentException("The schema name is blank; give one, such as certpilot, or leave "
                        + "it out for the connection's search path");
            }
            this.schema = schema;
            return this;
        }

        /**
         * With {@link #encryptPrivateKeys}: reads private keys stored in plaintext (before encryption was turned on)
         * and encrypts each in place at its first read. Turn it on for the first start with a key, then off again.
         *
         * @return this builder
         */
        public Builder migratePlaintextKeys() {
            this.migratePlaintextKeys = true;
            return this;
        }

        /**
         * The store.
         *
         * @return the store
         * @throws IllegalStateException if {@link #migratePlaintextKeys()} is on without a key
         */
        public JdbcCertificateStore build() {
            if (migratePlaintextKeys && key == null) {
                throw new IllegalStateException("migratePlaintextKeys() encrypts keys stored in plaintext, and needs "
                        + "encryptPrivateKeys(key) to know with what");
            }
            return new JdbcCertificateStore(this);
        }
    }
}
