package dev.certpilot.jdbc;

import java.sql.DriverManager;
import java.util.concurrent.Executors;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.test.conformance.CertificateStoreConformance;

/** The JDBC store against the conformance kit on a real database, a new database per test. */
abstract class DatabaseConformance extends CertificateStoreConformance {

    private String url;

    /** The JDBC URL of a new, empty database on the running server. */
    abstract String newDatabase();

    @Override
    protected CertificateStore newStore() {
        url = newDatabase();
        return JdbcCertificateStore.builder(url, null, null).build();
    }

    @Override
    protected CertificateStore sameBackend() {
        return JdbcCertificateStore.builder(url, null, null).build();
    }

    @Override
    protected void corrupt(String name) throws Exception {
        try (var connection = DriverManager.getConnection(url);
             var update = connection.prepareStatement("UPDATE certpilot_certificate SET private_key = 'not a key' "
                     + "WHERE name = ?")) {
            update.setString(1, name);
            update.executeUpdate();
        }
    }

    /** Writes the new row in a transaction and drops the connection before the commit, as a dying process does. */
    @Override
    protected void crashWhileSaving(CertificateBundle bundle) throws Exception {
        var connection = DriverManager.getConnection(url);
        connection.setAutoCommit(false);
        try (var update = connection.prepareStatement("UPDATE certpilot_certificate SET chain_pem = ?, "
                + "private_key = ?, serial = ? WHERE name = ?")) {
            update.setString(1, Pem.certificates(bundle.chain()));
            update.setString(2, Pem.privateKey(bundle.privateKey()));
            update.setString(3, bundle.serialNumber().toString(16));
            update.setString(4, bundle.name());
            update.executeUpdate();
        }
        var executor = Executors.newSingleThreadExecutor();
        connection.abort(executor);
        executor.shutdown();
    }
}
